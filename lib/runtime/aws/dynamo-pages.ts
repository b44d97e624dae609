/**
 * Every item a Query or Scan finds, page after page: `read` sends the request starting at the key
 * it is given (undefined for the first page), and each page's `LastEvaluatedKey` starts the next.
 */
import type { Item } from "./dynamo-attributes.ts";

export interface ItemPage {
  readonly Items?: Item[] | undefined;
  readonly LastEvaluatedKey?: Item | undefined;
}

export async function allItems(
  read: (start: Item | undefined) => Promise<ItemPage>,
): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await read(start);
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}
