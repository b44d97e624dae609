/**
 * The README and docs/ link only inside the repository (a clone is all a user has), and every
 * relative link resolves to a file, with its `#anchor` to a heading of that file.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const PAGES = ["README.md", ...readdirSync(join(ROOT, "docs")).map((f) => `docs/${f}`)].filter(
  (f) => f.endsWith(".md"),
);

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");

function anchors(file: string): Set<string> {
  const text = readFileSync(join(ROOT, file), "utf8").replace(/```[\s\S]*?```/g, "");
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => anchorOf(m[1] ?? "")));
}

function links(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8").replace(/```[\s\S]*?```/g, "");
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? "");
}

describe("documentation links", () => {
  it.each(PAGES)(
    "%s links only inside the repository, to files and headings that exist",
    (page) => {
      const broken: string[] = [];
      for (const link of links(page)) {
        if (/^[a-z]+:/i.test(link)) {
          broken.push(`${link}: outside the repository`);
          continue;
        }
        const [path = "", anchor] = link.split("#");
        const target = path === "" ? page : relative(ROOT, join(ROOT, dirname(page), path));
        if (target.startsWith("..") || !existsSync(join(ROOT, target))) {
          broken.push(`${link}: no file ${target}`);
        } else if (anchor !== undefined && target.endsWith(".md") && !anchors(target).has(anchor)) {
          broken.push(`${link}: no heading #${anchor} in ${target}`);
        }
      }
      expect(broken).toEqual([]);
    },
  );
});
