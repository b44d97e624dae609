/** DOM helpers: the only places markup reaches `innerHTML` take `Html`, never a string. */
import type { Html } from "../html.ts";

const drawn = new WeakMap<Element, string>();

/** Replaces the element's content unless it would not change (open `<details>` stay open). */
export function setHtml(element: Element | null, markup: Html): void {
  if (element === null || drawn.get(element) === markup.text) return;
  element.innerHTML = markup.text;
  drawn.set(element, markup.text);
}

export function find<T extends Element = HTMLElement>(root: ParentNode, selector: string): T {
  const element = root.querySelector<T>(selector);
  if (element === null) throw new Error(`console: no element matches ${selector}`);
  return element;
}

/** Shows the outcome of an action (text only) in the page's status line. */
export function report(root: ParentNode, message: string, ok: boolean): void {
  const line = root.querySelector<HTMLElement>("[data-role=result]");
  if (line === null) return;
  line.textContent = message;
  line.className = ok ? "result ok" : "result error";
}
