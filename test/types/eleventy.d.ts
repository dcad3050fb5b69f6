// Eleventy 3.1 ships no type declarations (4.0 ships some; the tests use this slice for both): the slice of its programmatic API the tests use.
declare module "@11ty/eleventy" {
  export interface EleventyOptions {
    configPath?: string | false;
    quietMode?: boolean;
    config?: (eleventyConfig: any) => void | Promise<void>;
  }
  export interface TemplateResult {
    inputPath: string;
    outputPath: string | false;
    url: string | false;
    content: string;
  }
  export default class Eleventy {
    constructor(input?: string, output?: string, options?: EleventyOptions);
    static getVersion(): string;
    write(): Promise<unknown>;
    toJSON(): Promise<TemplateResult[]>;
    init(): Promise<void>;
    watch(): Promise<void>;
    stopWatch(): Promise<void>;
    /** Stops its console output; errors still reject. */
    disableLogger(): void;
    /** Eleventy's logger; `overrideLogger` replaces the console it writes to. */
    readonly logger: { overrideLogger(logger: object | false): void };
  }
}

declare module "@11ty/eleventy-plugin-handlebars" {
  const handlebarsPlugin: (eleventyConfig: any, options?: { eleventyLibraryOverride?: unknown }) => void;
  export default handlebarsPlugin;
}

declare module "@11ty/eleventy-img" {
  export const eleventyImageTransformPlugin: (eleventyConfig: any, options?: Record<string, unknown>) => void;
}
