/**
 * eleventy-img's HTML transform (`eleventyImageTransformPlugin`, on in the eleventy-base-blog starter)
 * reads every `<img src>` as a file of the input folder: `/static/img/x.png?8155d1` becomes a broken
 * `content/static/img/x.png?8155d1`. A `static` URL names a file the plugin already serves with its
 * hash, so its `<img>` gets `eleventy:ignore` for that transform, which skips it; the attribute is
 * taken off again after it ran.
 */

/** The JavaScript function eleventy-img's transform registers; eleventy-img itself looks it up this way. */
const IMAGE_TRANSFORM = "__private_eleventyImageTransformConfigurationOptions";
const IGNORE = "eleventy:ignore";

interface HtmlNode {
  tag?: string;
  attrs?: Record<string, string | undefined>;
}
interface HtmlTree {
  match(pattern: { tag: string }, visit: (node: HtmlNode) => HtmlNode): void;
}
type PosthtmlPlugin = () => (tree: HtmlTree) => HtmlTree;

export interface HtmlTransformerConfig {
  readonly htmlTransformer?: {
    addPosthtmlPlugin(extensions: string, plugin: PosthtmlPlugin, options: { priority: number; name: string; enabled: () => boolean }): void;
  };
  getFilter?(name: string): unknown;
}

/**
 * While eleventy-img's transform is in the build, marks each `<img>` whose `src` is a URL `static`
 * printed (`printed(src)`) so that transform skips it. Without eleventy-img, no page is transformed.
 */
export function keepStaticImagesFromImageTransform(eleventyConfig: HtmlTransformerConfig, printed: (src: string) => boolean): void {
  const transformer = eleventyConfig.htmlTransformer;
  if (!transformer || typeof transformer.addPosthtmlPlugin !== "function") return;
  const enabled = () => typeof eleventyConfig.getFilter?.(IMAGE_TRANSFORM) === "function";
  const marked = new WeakSet<HtmlNode>();
  // Higher priorities run first: eleventy-img's transform has -1.
  transformer.addPosthtmlPlugin(
    "html",
    () => (tree) => {
      tree.match({ tag: "img" }, (node) => {
        const src = node.attrs?.src;
        if (node.attrs && src !== undefined && !(IGNORE in node.attrs) && (printed(src) || printed(unescapeHtml(src)))) {
          node.attrs[IGNORE] = "";
          marked.add(node);
        }
        return node;
      });
      return tree;
    },
    { priority: 0, name: "static-hash: static URLs are not eleventy-img's", enabled },
  );
  transformer.addPosthtmlPlugin(
    "html",
    () => (tree) => {
      // eleventy-img takes the attribute off a lone <img>, but not off one inside <picture>.
      tree.match({ tag: "img" }, (node) => {
        if (marked.has(node) && node.attrs) delete node.attrs[IGNORE];
        return node;
      });
      return tree;
    },
    { priority: -1000, name: "static-hash: static URLs are not eleventy-img's (clean-up)", enabled },
  );
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** An attribute value as the browser reads it: the entities Nunjucks and Handlebars escape with. */
function unescapeHtml(text: string): string {
  return text.replace(/&(?:#x([0-9a-f]+)|#(\d+)|(amp|lt|gt|quot|apos));/gi, (entity, hex: string, decimal: string, name: string) =>
    hex ? String.fromCodePoint(parseInt(hex, 16)) : decimal ? String.fromCodePoint(Number(decimal)) : (ENTITIES[name.toLowerCase()] ?? entity),
  );
}
