/**
 * The web console in a real headless Chromium (Debian's `chromium`, driven by playwright-core)
 * against `baton dev --demo` in this process: the demo saga run from the console to SUCCEEDED, a
 * compensating run undone in reverse order, a waiting execution cancelled with compensation,
 * signal, pause and resume, redrive refused with the API's reason, and data rendered as text.
 * Colours are checked on screenshots. Skipped, saying why, only when there is no Chromium at
 * CHROMIUM_PATH (default /usr/bin/chromium) and BATON_REQUIRE_CHROMIUM is not 1 (CI sets it after
 * `.ci/install-chromium.sh`).
 */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../../lib/local/server.ts";
import { tempDir } from "../support/tmp.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HAS_CHROMIUM = existsSync(CHROMIUM);
const MISSING = `no Chromium at ${CHROMIUM} (bash .ci/install-chromium.sh, or set CHROMIUM_PATH)`;
// CI installs Chromium and sets BATON_REQUIRE_CHROMIUM: there a missing browser fails the run.
if (!HAS_CHROMIUM && process.env.BATON_REQUIRE_CHROMIUM === "1") {
  describe("web console in headless Chromium", () => {
    it("has a Chromium to run in", () => {
      throw new Error(`BATON_REQUIRE_CHROMIUM=1 but ${MISSING}`);
    });
  });
} else if (!HAS_CHROMIUM) {
  console.warn(`console.browser.test.ts skipped: ${MISSING}`);
}

const WORKFLOWS = join(import.meta.dirname, "..", "..", "workflows");
/** Generous: the page polls every 1.5 s and the machine may be loaded. */
const WAIT = 45_000;
const eventually = <T>(read: () => Promise<T>) =>
  expect.poll(read, { timeout: WAIT, interval: 200 });

/** A saga that parks at an `await` step: something to cancel, signal, pause and resume. */
const APPROVAL_YAML = `workflow: console-approval
description: "Reserve, wait for <b>approval</b>, charge"
defaults: { timeout: 10, retry: false }
steps:
  - id: reserve
    call: inventory POST /reservations
    with: { orderId: "{{ input.orderId }}", sku: sku-1, quantity: 1 }
    compensate:
      call: inventory DELETE /reservations/{{ steps.reserve.body.id }}
  - id: approve
    await: { signal: approval, timeout: 600 }
  - id: charge
    call: payments POST /charges
    with: { orderId: "{{ input.orderId }}", customerId: c-1, amount: 5, currency: EUR }
`;

let server: DevServer;
let browser: Browser;
let page: Page;

describe.skipIf(!HAS_CHROMIUM)("web console in headless Chromium", () => {
  beforeAll(async () => {
    const dir = tempDir("baton-console-");
    server = await startDevServer({
      port: 0,
      workflowsDir: WORKFLOWS,
      dataDir: join(dir, "data"),
      demo: true,
      skipDelays: true,
      log: () => {},
      out: () => {},
      activity: false,
    });
    const published = await fetch(`${server.url}/workflows/console-approval`, {
      method: "PUT",
      headers: { "content-type": "application/yaml" },
      body: APPROVAL_YAML,
    });
    expect(published.status, await published.text()).toBe(201);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.setDefaultTimeout(WAIT);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Fails the test on any script error or refused request in the page (CSP included). */
  const pageErrors: string[] = [];
  beforeAll(() => {
    page.on("pageerror", (error) => pageErrors.push(`pageerror: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(`console: ${message.text()}`);
    });
  });

  async function startFromConsole(workflow: string, input?: unknown): Promise<string> {
    await page.goto(`${server.url}/#/workflows/${workflow}`);
    const textarea = page.locator("textarea[name=input]");
    await eventually(() => textarea.inputValue()).not.toBe("");
    if (input !== undefined) await textarea.fill(JSON.stringify(input));
    await page.getByRole("button", { name: "Start" }).click();
    await page.waitForURL(/#\/executions\//);
    return decodeURIComponent(page.url().split("#/executions/")[1] ?? "");
  }

  const node = (step: string) => page.locator(`.graph .node[data-step="${step}"]`);
  /** Until the execution's `await` step waits for its signal. */
  const parked = (id: string) =>
    eventually(async () => (await server.signals.waiting(id)).length).toBe(1);
  const waitForStatus = (value: string) =>
    page.locator(`[data-role=status] .badge[data-status="${value}"]`).waitFor();

  it("lists the demo workflows and serves its files with a strict content security policy", async () => {
    // Act
    const response = await page.goto(`${server.url}/`);

    // Assess
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-security-policy"]).toContain("script-src 'self'");
    await page.locator('[data-workflow="order-fulfillment"]').waitFor();
    const names = await page
      .locator("[data-workflow]")
      .evaluateAll((items) => items.map((item) => item.getAttribute("data-workflow")));
    expect(names).toEqual(expect.arrayContaining(["order-fulfillment", "user-registration"]));
    expect(await page.title()).toBe("Baton console");
  });

  it("runs the demo saga from the console to SUCCEEDED, every step green", async () => {
    // Act
    const id = await startFromConsole("order-fulfillment");
    await waitForStatus("SUCCEEDED");

    // Assess
    for (const step of ["reserve", "charge", "ship", "announce"])
      await eventually(() => node(step).getAttribute("data-status")).toBe("SUCCEEDED");
    expect(await page.locator("[data-role=compensation-status]").textContent()).toBe("NONE");
    expect(await page.locator('.timeline .bar[data-mode="call"]').count()).toBeGreaterThanOrEqual(
      3,
    );
    await page.locator('tr[data-type="Execution Succeeded"]').waitFor();
    expect(await page.locator("[data-role=output]").textContent()).toContain("reservation");
    const color = await dominantColor(node("charge"));
    expect(color.g, `charge node colour ${JSON.stringify(color)}`).toBeGreaterThan(color.r + 40);
    await page.goto(`${server.url}/#/`);
    await page.locator(`tr[data-execution="${id}"] .badge[data-status="SUCCEEDED"]`).waitFor();
    await keepScreenshot("overview");
  });

  it("shows a retried step with one bar per attempt: two failed, then the one that succeeded", async () => {
    // Prepare: the payments service answers the next two calls with 503 (retried)
    const payments = server.demo?.services.get("payments")?.url;
    await fetch(`${payments}/__control`, { method: "POST", body: JSON.stringify({ failNext: 2 }) });

    // Act
    await startFromConsole("order-fulfillment");
    await waitForStatus("SUCCEEDED");

    // Assess
    const charge = page.locator('.timeline tr[data-step="charge"]');
    await eventually(() =>
      charge
        .locator(".bar")
        .evaluateAll((bars) =>
          bars.map((b) => `${b.getAttribute("data-attempt")}:${b.getAttribute("data-outcome")}`),
        ),
    ).toEqual(["1:failed", "2:failed", "3:succeeded"]);
    expect(await charge.locator("td").nth(2).textContent()).toBe("3");
  });

  it("shows a compensating run: the failed step red, earlier steps undone newest first", async () => {
    // Prepare: the shipping service refuses the next call with 400 (not retried)
    const shipping = server.demo?.services.get("shipping")?.url;
    await fetch(`${shipping}/__control`, {
      method: "POST",
      body: JSON.stringify({ failNext: 1, failStatus: 400 }),
    });

    // Act
    await startFromConsole("order-fulfillment");
    await waitForStatus("FAILED");
    await page.locator('[data-role=compensation-status] [data-status="COMPLETED"]').waitFor();

    // Assess
    await eventually(() => node("ship").getAttribute("data-status")).toBe("FAILED");
    await eventually(() => node("charge").getAttribute("data-status")).toBe("COMPENSATED");
    await eventually(() => node("reserve").getAttribute("data-status")).toBe("COMPENSATED");
    await eventually(() => page.locator("[data-role=compensation-order]").textContent()).toContain(
      "charge → reserve",
    );
    expect(await page.locator("[data-role=error]").textContent()).toContain("ship");
    expect(await page.locator('.timeline tr[data-step="charge"] .bar.compensate').count()).toBe(1);
    expect(await page.locator('.timeline tr[data-step="ship"] .bar.compensate').count()).toBe(0);
    const undone = await dominantColor(node("reserve"));
    const failed = await dominantColor(node("ship"));
    expect(failed.r, `ship node colour ${JSON.stringify(failed)}`).toBeGreaterThan(failed.g + 60);
    expect(undone.r, `reserve node colour ${JSON.stringify(undone)}`).toBeGreaterThan(
      undone.b + 60,
    );
    expect(undone.g, "compensated is amber, not red").toBeGreaterThan(failed.g + 30);
    await keepScreenshot("compensated");
  });

  it("cancels a waiting execution with compensation", async () => {
    // Prepare
    const id = await startFromConsole("console-approval", { orderId: "o-cancel" });
    await parked(id);
    await eventually(() => node("reserve").getAttribute("data-status")).toBe("SUCCEEDED");
    await waitForStatus("RUNNING");
    await eventually(() => node("approve").getAttribute("data-waiting")).toBe("true");
    expect(await node("approve").textContent()).toContain("PENDING · waiting for its signal");
    expect(await page.locator("input[name=signal]").inputValue()).toBe("approval");

    // Act
    await page.getByRole("button", { name: "Cancel and compensate" }).click();

    // Assess
    await waitForStatus("CANCELLED");
    await page.locator('[data-role=compensation-status] [data-status="COMPLETED"]').waitFor();
    await eventually(() => node("reserve").getAttribute("data-status")).toBe("COMPENSATED");
    expect(await page.locator("[data-role=result]").textContent()).toMatch(
      /^Cancel and compensate: requested \(execution [A-Z_]+, compensation [A-Z]+\)$/,
    );
    expect(await page.getByRole("button", { name: "Pause" }).isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Redrive" }).isEnabled()).toBe(true);
    await keepScreenshot("cancelled");
  });

  it("pauses, signals and resumes a waiting execution to SUCCEEDED", async () => {
    // Prepare
    const id = await startFromConsole("console-approval", { orderId: "o-signal" });
    await parked(id);

    // Act: paused, the signal ends the await but the next step does not start
    await page.getByRole("button", { name: "Pause" }).click();
    await waitForStatus("PAUSED");
    await page.locator("input[name=payload]").fill('{"approvedBy": "console"}');
    await page.getByRole("button", { name: "Send signal" }).click();
    await eventually(() => page.locator("[data-role=result]").textContent()).toMatch(
      /^Signal approval: /,
    );
    const signalled = await page.locator("[data-role=result]").textContent();
    await waitForStatus("PAUSED");
    await page.getByRole("button", { name: "Resume" }).click();

    // Assess
    await waitForStatus("SUCCEEDED");
    await eventually(() => node("charge").getAttribute("data-status")).toBe("SUCCEEDED");
    expect(signalled).toMatch(/^Signal approval: delivered to step approve/);
    expect(await page.locator("[data-role=result]").textContent()).toBe(
      "Resume: execution RUNNING",
    );
  });

  it("shows the API's reason when an action is refused", async () => {
    // Prepare: a finished execution
    await startFromConsole("order-fulfillment");
    await waitForStatus("SUCCEEDED");

    // Act: the button is disabled for SUCCEEDED; the API is asked anyway
    await page.evaluate(IN_PAGE.clickDisabled("button[data-action=redrive]"));

    // Assess
    await eventually(() => page.locator("[data-role=result].error").textContent()).toMatch(
      /^Redrive refused: 409 Conflict: .*only a failed, timed out or cancelled/,
    );
    // The browser logs the refused request; it is the one this test asked for.
    const refused = pageErrors.findIndex((e) => e.includes("status of 409"));
    expect(refused).toBeGreaterThanOrEqual(0);
    pageErrors.splice(refused, 1);
  });

  it("renders data as text: markup in a description and an input is not run", async () => {
    // Prepare
    const payload = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

    // Act
    await startFromConsole("console-approval", { orderId: payload });
    await page.locator("[data-role=input]").waitFor();
    await eventually(() => page.locator("[data-role=input]").textContent()).toContain("<img");
    await page.goto(`${server.url}/#/workflows/console-approval`);
    await page.locator("[data-role=summary] p", { hasText: "<b>approval</b>" }).waitFor();

    // Assess
    expect(await page.evaluate("window.__xss")).toBeUndefined();
    expect(await page.locator("main img, main b").count()).toBe(0);
  });

  it("left no script error or refused request in the page", () => {
    expect(pageErrors).toEqual([]);
  });
});

/**
 * Code run in the browser, as text: the tests are typed without the DOM library (the console's
 * own code is typed with it, in lib/console/web).
 */
const IN_PAGE = {
  clickDisabled: (selector: string) =>
    `(() => { const b = document.querySelector(${JSON.stringify(selector)}); b.disabled = false; b.click(); })()`,
  /** The mean colour of a PNG, decoded on a canvas. */
  meanColor: (png: string) => `(async () => {
    const image = new Image();
    image.src = "data:image/png;base64,${png}";
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    const pixels = context.getImageData(0, 0, image.width, image.height).data;
    const sum = { r: 0, g: 0, b: 0 };
    for (let i = 0; i < pixels.length; i += 4) {
      sum.r += pixels[i]; sum.g += pixels[i + 1]; sum.b += pixels[i + 2];
    }
    const n = pixels.length / 4;
    return { r: sum.r / n, g: sum.g / n, b: sum.b / n };
  })()`,
};

/** Mean colour of an element's screenshot, decoded in a blank page (the console's CSP refuses data: images). */
async function dominantColor(element: Locator): Promise<{ r: number; g: number; b: number }> {
  const png = (await element.screenshot()).toString("base64");
  const scratch = await browser.newPage();
  try {
    return (await scratch.evaluate(IN_PAGE.meanColor(png))) as { r: number; g: number; b: number };
  } finally {
    await scratch.close();
  }
}

/** Full-page screenshots for docs when BATON_CONSOLE_SCREENSHOTS names a folder. */
async function keepScreenshot(name: string): Promise<void> {
  const folder = process.env.BATON_CONSOLE_SCREENSHOTS;
  if (folder === undefined || folder === "") return;
  await writeFile(join(folder, `${name}.png`), await page.screenshot({ fullPage: true }));
}
