/** The console's markup builder: every interpolated value is text unless it is markup built by `html`. */
import { describe, expect, it } from "vitest";
import { escapeHtml, href, html } from "../../lib/console/web/html.ts";

describe("html", () => {
  it("escapes interpolated text, attributes included", () => {
    const name = `<img src=x onerror="alert(1)">'&\``;

    const markup = html`<td title="${name}">${name}</td>`;

    expect(markup.text).toBe(
      '<td title="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39;&amp;&#96;">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39;&amp;&#96;</td>',
    );
  });

  it("keeps nested markup and arrays of it, and drops null, undefined and false", () => {
    const rows = ["a<b", "c"].map((x) => html`<li>${x}</li>`);

    const markup = html`<ul>${rows}${null}${undefined}${false}${0}</ul>`;

    expect(markup.text).toBe("<ul><li>a&lt;b</li><li>c</li>0</ul>");
  });

  it("escapes a plain string that looks like markup", () => {
    expect(html`${"<b>x</b>"}`.text).toBe("&lt;b&gt;x&lt;/b&gt;");
    expect(escapeHtml("a&amp;")).toBe("a&amp;amp;");
  });

  it("builds fragment links with each segment percent-encoded", () => {
    expect(href("executions", "a/b#c?d")).toBe("#/executions/a%2Fb%23c%3Fd");
  });
});
