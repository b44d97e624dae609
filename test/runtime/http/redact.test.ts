import { describe, expect, it } from "vitest";
import { ERROR_BODY_BYTES, readLimited } from "../../../lib/runtime/http/body.ts";
import { Redactor, sanitizeExcerpt } from "../../../lib/runtime/http/redact.ts";

describe("Redactor", () => {
  it("replaces a secret as sent, URL-encoded, JSON-escaped and base64", () => {
    const secret = 'k3y/"with"+odd=chars';
    const redactor = new Redactor([secret]);
    const text = [
      secret,
      encodeURIComponent(secret),
      JSON.stringify(secret),
      Buffer.from(secret).toString("base64"),
    ].join(" | ");

    const redacted = redactor.redact(text);

    expect(redacted).not.toContain("k3y");
    expect(redacted).not.toContain(Buffer.from(secret).toString("base64").slice(0, 12));
  });

  it("fails when a short value would garble messages: values under 4 characters are ignored", () => {
    expect(new Redactor(["ab"]).redact("abc cab")).toBe("abc cab");
    expect(new Redactor(["ab"]).empty).toBe(true);
  });
});

describe("sanitizeExcerpt", () => {
  it("masks credential shapes a service echoes, even ones Baton never sent", () => {
    const body =
      "invalid API key sk-proj-4f9Qx2LmT7aB9cDe; token ghp_abcdefghijklmnopqrstuvwxyz012345, Authorization: Bearer abc.def.ghi123";
    expect(sanitizeExcerpt(body)).toBe(
      "invalid API key [REDACTED]; token [REDACTED], Authorization: Bearer [REDACTED]",
    );
  });

  it("keeps ids and paths readable", () => {
    const text =
      "order 0b9e3c1a-7d6f-4c2e-9a51-3f8d2b7e6c40 not found at /internal/services/payments/refunds/pending";
    expect(sanitizeExcerpt(text)).toBe(text);
  });

  it("flattens control characters and caps the excerpt at 200 characters", () => {
    const excerpt = sanitizeExcerpt(`line one\r\n\u0000\u001b[31mred ${"x".repeat(400)}`);
    expect(excerpt.startsWith("line one [31mred xxx")).toBe(true);
    expect(excerpt).toHaveLength(200);
    expect(excerpt.endsWith("...")).toBe(true);
  });

  it("redacts the resolved secrets before capping", () => {
    const redactor = new Redactor(["hunter2-secret-value"]);
    expect(sanitizeExcerpt("bad key hunter2-secret-value", redactor)).toBe("bad key [REDACTED]");
  });
});

describe("readLimited", () => {
  it("reads a body under the limit whole", async () => {
    const body = await readLimited(new Response("héllo"), 100);
    expect(body).toEqual({ text: "héllo", bytes: 6, truncated: false });
  });

  it("fails when the body is over the limit: stops at the limit and cancels the stream", async () => {
    // Prepare: an endless stream; reading it whole would never end.
    let pulls = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        controller.enqueue(new Uint8Array(1024).fill(97));
      },
    });

    // Act
    const body = await readLimited(new Response(endless), ERROR_BODY_BYTES);

    // Assess
    expect(body.truncated).toBe(true);
    expect(body.bytes).toBe(ERROR_BODY_BYTES);
    expect(body.text).toHaveLength(ERROR_BODY_BYTES);
    expect(pulls).toBeLessThan(10);
  });
});
