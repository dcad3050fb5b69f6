// hbs 4 ships no type declarations: the slice of its API the tests use.
declare module "hbs" {
  import type Handlebars from "handlebars";
  interface HbsInstance {
    handlebars: typeof Handlebars;
    __express(filename: string, options: object, callback: (error: Error | null, html?: string) => void): void;
    registerHelper(name: string, helper: (...args: any[]) => unknown): void;
    registerPartial(name: string, partial: string): void;
    create(handlebars?: typeof Handlebars): HbsInstance;
  }
  const hbs: HbsInstance;
  export default hbs;
}
