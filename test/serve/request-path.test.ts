import { describe, expect, test } from "vitest";
import { parseRequestPath } from "../../src/serve/request-path.js";

describe("parseRequestPath", () => {
  test("decodes each segment once and keeps the query", () => {
    expect(parseRequestPath("/a%20b/c%26d.css?v=1&0beec7")).toEqual({ ok: true, name: "a b/c&d.css", query: "v=1&0beec7" });
    expect(parseRequestPath("/%252e%252e/x")).toEqual({ ok: true, name: "%2e%2e/x", query: undefined });
    expect(parseRequestPath("/caf%C3%A9.css?")).toEqual({ ok: true, name: "café.css", query: "" });
  });

  test("refuses with the status and a reason", () => {
    expect(parseRequestPath("/%2e%2e/x")).toMatchObject({ ok: false, status: 400 });
    expect(parseRequestPath("/a%2fb")).toMatchObject({ ok: false, status: 400, reason: expect.stringContaining("separator") });
    expect(parseRequestPath("/%c0%ae")).toMatchObject({ ok: false, status: 400, reason: expect.stringContaining("UTF-8") });
    expect(parseRequestPath("/x%zz")).toMatchObject({ ok: false, status: 400, reason: expect.stringContaining("percent") });
    expect(parseRequestPath("//etc/passwd")).toMatchObject({ ok: false, status: 404 });
    expect(parseRequestPath("/.env")).toMatchObject({ ok: false, status: 404, reason: expect.stringContaining("dotfiles") });
    expect(parseRequestPath("/css/")).toMatchObject({ ok: false, status: 404 });
    expect(parseRequestPath("css/app.css")).toMatchObject({ ok: false, status: 400 });
  });
});
