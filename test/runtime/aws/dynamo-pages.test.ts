import { describe, expect, it } from "vitest";
import type { Item } from "../../../lib/runtime/aws/dynamo-attributes.ts";
import { allItems } from "../../../lib/runtime/aws/dynamo-pages.ts";

const item = (n: number): Item => ({ pk: { S: `p${n}` } });

describe("allItems", () => {
  it("reads page after page, each starting at the last page's LastEvaluatedKey", async () => {
    const starts: (Item | undefined)[] = [];
    const pages = [
      { Items: [item(1), item(2)], LastEvaluatedKey: item(2) },
      { Items: [], LastEvaluatedKey: item(3) },
      { Items: [item(4)] },
    ];
    const items = await allItems(async (start) => {
      starts.push(start);
      return pages[starts.length - 1] ?? {};
    });
    expect(items).toEqual([item(1), item(2), item(4)]);
    expect(starts).toEqual([undefined, item(2), item(3)]);
  });

  it("answers no items for a page without Items", async () => {
    expect(await allItems(async () => ({}))).toEqual([]);
  });
});
