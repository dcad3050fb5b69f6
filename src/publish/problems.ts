export type PublishProblemCode =
  /** The listing failed: wrong bucket, credentials or endpoint; nothing was sent. */
  | "LIST_FAILED"
  /** A file could not be uploaded after every attempt. */
  | "UPLOAD_FAILED"
  /** A file of the folder could not be read. */
  | "UNREADABLE"
  /** staticfiles.json names a file that is not in the folder. */
  | "MANIFEST_NAMES_MISSING_FILE"
  /** More objects would be deleted than `maxDeletes` allows: nothing was deleted. */
  | "TOO_MANY_DELETES"
  /** An old object could not be deleted after every attempt. */
  | "DELETE_FAILED";

/** Something publish has to say: an error fails the run (the manifest is not uploaded), a warning does not. */
export interface PublishProblem {
  readonly severity: "error" | "warning";
  readonly code: PublishProblemCode;
  /** The complete message: the key, what happened, and what to do. */
  readonly message: string;
  /** The object key concerned, when there is one. */
  readonly key?: string;
}
