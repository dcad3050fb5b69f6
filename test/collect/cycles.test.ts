// Hashes cover rewritten content in dependency order; a cycle between stylesheets gets one combined hash, never an error.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { collect } from "../../src/collect/index.js";
import { componentsInDependencyOrder } from "../../src/collect/graph.js";
import { collectTree, digest, readTree, tempFolder, writeTree } from "./trees.js";

describe("dependency order", () => {
  it("a change deep in a chain of references reaches every file that refers to it", async () => {
    const tree = {
      "img/a.png": "foo",
      "css/c.css": "c{background:url(../img/a.png)}",
      "css/b.css": '@import "c.css";',
      "css/a.css": '@import "b.css";',
    };
    const before = await collectTree(tree, { mode: "filename" });
    const after = await collectTree({ ...tree, "img/a.png": "bar" }, { mode: "filename" });
    const c = "c{background:url(../img/a.0beec7.png)}";
    const b = `@import "c.${digest(c).slice(0, 6)}.css";`;
    const a = `@import "b.${digest(b).slice(0, 6)}.css";`;
    expect(before.result.manifest!.paths).toEqual({
      "css/a.css": `css/a.${digest(a).slice(0, 6)}.css`,
      "css/b.css": `css/b.${digest(b).slice(0, 6)}.css`,
      "css/c.css": `css/c.${digest(c).slice(0, 6)}.css`,
      "img/a.png": "img/a.0beec7.png",
    });
    expect(before.output[before.result.manifest!.paths["css/a.css"]]).toBe(a);
    for (const name of ["css/a.css", "css/b.css", "css/c.css", "img/a.png"]) {
      expect(after.result.manifest!.paths[name]).not.toBe(before.result.manifest!.paths[name]);
    }
    expect(after.result.manifest!.paths["img/a.png"]).toBe("img/a.62cdb7.png");
  });

  it("lists components dependencies first, and finds cycles and self-references", () => {
    const edges: Record<string, string[]> = { a: ["b"], b: ["c"], c: ["b", "d"], d: [], e: ["e"], f: ["a"] };
    const order = componentsInDependencyOrder(Object.keys(edges), (node) => edges[node]);
    expect(order.map((component) => [...component].sort())).toEqual([["d"], ["b", "c"], ["a"], ["e"], ["f"]]);
  });

  it("handles a chain of 20,000 imports without overflowing the stack", () => {
    const count = 20_000;
    const order = componentsInDependencyOrder(Array.from({ length: count }, (_, i) => i), (i) => (i + 1 < count ? [i + 1] : []));
    expect(order.length).toBe(count);
    expect(order[0]).toEqual([count - 1]);
    expect(order[count - 1]).toEqual([0]);
  });
});

describe("cycles between stylesheets", () => {
  const cycle = {
    "img/a.png": "foo",
    "css/a.css": '@import "b.css";\na{background:url(../img/a.png)}',
    "css/b.css": '@import url(a.css);\nb{color:red}',
    "css/c.css": '@import "a.css";',
  };

  it("gives both members one hash of their names and partly rewritten contents, in both modes", async () => {
    for (const mode of ["query", "filename"] as const) {
      const { result, output } = await collectTree(cycle, { mode });
      expect(result.ok).toBe(true);
      expect(result.problems).toEqual([]);
      // The combined hash: each member's name, length and content with the references out of the cycle rewritten.
      const partA = mode === "query" ? '@import "b.css";\na{background:url(../img/a.png?0beec7)}' : '@import "b.css";\na{background:url(../img/a.0beec7.png)}';
      const partB = "@import url(a.css);\nb{color:red}";
      const shared = digest(`css/a.css\0${partA.length}\0${partA}css/b.css\0${partB.length}\0${partB}`).slice(0, 6);
      if (mode === "query") {
        expect(result.manifest!.paths["css/a.css"]).toBe(`css/a.css?${shared}`);
        expect(result.manifest!.paths["css/b.css"]).toBe(`css/b.css?${shared}`);
        expect(output["css/a.css"]).toBe(`@import "b.css?${shared}";\na{background:url(../img/a.png?0beec7)}`);
        expect(output["css/b.css"]).toBe(`@import url(a.css?${shared});\nb{color:red}`);
        expect(output["css/c.css"]).toBe(`@import "a.css?${shared}";`);
      } else {
        expect(result.manifest!.paths["css/a.css"]).toBe(`css/a.${shared}.css`);
        expect(result.manifest!.paths["css/b.css"]).toBe(`css/b.${shared}.css`);
        expect(output[`css/a.${shared}.css`]).toBe(`@import "b.${shared}.css";\na{background:url(../img/a.0beec7.png)}`);
        expect(output[`css/b.${shared}.css`]).toBe(`@import url(a.${shared}.css);\nb{color:red}`);
        expect(output["css/a.css"]).toBe(cycle["css/a.css"]);
        expect(output[result.manifest!.paths["css/c.css"]]).toBe(`@import "a.${shared}.css";`);
      }
    }
  });

  it("changes the shared hash when a member, a member's name or anything a member refers to changes", async () => {
    const hashOf = async (files: Record<string, string>, member = "css/a.css") =>
      (await collectTree(files, { mode: "filename" })).result.manifest!.paths[member];
    const base = await hashOf(cycle);
    expect(await hashOf(cycle)).toBe(base);
    expect(await hashOf({ ...cycle, "css/b.css": "@import url(a.css);\nb{color:blue}" })).not.toBe(base);
    expect(await hashOf({ ...cycle, "img/a.png": "bar" })).not.toBe(base);
    const renamed = { "img/a.png": "foo", "css/a.css": '@import "d.css";\na{background:url(../img/a.png)}', "css/d.css": cycle["css/b.css"] };
    expect((await hashOf(renamed)).replace("css/a.", "")).not.toBe(base.replace("css/a.", ""));
  });

  it("handles a file that refers to itself and a three-file cycle", async () => {
    const { result, output } = await collectTree({
      "css/self.css": "a{behavior:url(self.css)}",
      "css/x.css": '@import "y.css";',
      "css/y.css": '@import "z.css";',
      "css/z.css": '@import "x.css";',
    });
    const selfHash = digest("css/self.css\0" + "25\0" + "a{behavior:url(self.css)}").slice(0, 6);
    expect(output["css/self.css"]).toBe(`a{behavior:url(self.css?${selfHash})}`);
    const hashes = ["x", "y", "z"].map((name) => result.manifest!.paths[`css/${name}.css`].split("?")[1]);
    expect(new Set(hashes).size).toBe(1);
    expect(output["css/z.css"]).toBe(`@import "x.css?${hashes[0]}";`);
  });

  it("is not Django's 'Max post-process passes exceeded': a cycle of 8 collects like any file", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 8; i++) files[`css/${i}.css`] = `@import "${(i + 1) % 8}.css";`;
    const root = writeTree(tempFolder("root"), files);
    const out = join(tempFolder("out"), "static");
    const result = await collect({ roots: root, out, mode: "filename" });
    expect(result.ok).toBe(true);
    const written = readTree(out);
    expect(Object.keys(written).length).toBe(17);
  });
});
