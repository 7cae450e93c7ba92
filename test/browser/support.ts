// Browser-test support: serve the built site on 127.0.0.1 and drive Debian's
// Chromium with playwright-core.
import assert from "node:assert/strict";
import { createReadStream, existsSync, readdirSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, relative } from "node:path";
import { after, before } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
};

/**
 * Serve `root` on an ephemeral loopback port; `/x` falls back to `/x.html` as
 * Framework's preview does, and a missing page gets `404.html` with status
 * 404, as static hosts serve it.
 */
export async function serve(root: string): Promise<{ origin: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    let file = join(root, path);
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    else if (!existsSync(file) && existsSync(`${file}.html`)) file = `${file}.html`;
    if (!existsSync(file)) {
      const notFound = join(root, "404.html");
      if (!existsSync(notFound)) res.writeHead(404).end("not found");
      else createReadStream(notFound).pipe(res.writeHead(404, { "content-type": TYPES[".html"] }));
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Every page of the built site under `root`, as a path ("/", "/nowait", "/api/mm"); Framework's own `_*` folders are not pages. */
export function builtPages(root: string, dir = root): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name.startsWith("_") ? [] : builtPages(root, path);
    return name.endsWith(".html") ? ["/" + relative(root, path).replace(/(index)?\.html$/, "")] : [];
  });
}

/** The Chromium binary: $CHROMIUM, else Debian's /usr/bin/chromium. */
export function chromiumPath(): string {
  return process.env.CHROMIUM ?? "/usr/bin/chromium";
}

/** Launch headless Chromium with no background network traffic. */
export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * Wait until the page has settled: no cell still loading, no worker batch in
 * flight (a run status shows its Cancel button while one is), and no change
 * to the document for `quietMs` (cells, charts and status lines change it
 * while they work), or `timeoutMs` has passed.
 */
export async function settle(page: Page, quietMs = 600, timeoutMs = 90000): Promise<void> {
  await page.evaluate(
    ({ quietMs, timeoutMs }) =>
      new Promise<void>((resolve) => {
        // No named inner functions here: the test runner's transpiler would wrap them in a helper the page lacks.
        const started = performance.now();
        let last = performance.now();
        const observer = new MutationObserver(() => (last = performance.now()));
        observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
        const timer = setInterval(() => {
          const now = performance.now();
          const loading = document.querySelector("observablehq-loading") !== null || [...document.querySelectorAll<HTMLButtonElement>(".run-status button")].some((b) => !b.hidden);
          if ((!loading && now - last >= quietMs) || now - started >= timeoutMs) {
            clearInterval(timer);
            observer.disconnect();
            resolve();
          }
        }, 100);
      }),
    { quietMs, timeoutMs },
  );
}

/** The built site served on loopback and a Chromium to visit it, as {@link useSite}'s hooks set them. */
export interface Site {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  browser: Browser;
}

/**
 * Register a test file's `before` and `after` hooks: check that `root` is
 * built, serve it, launch Chromium and run the file's own `setup`; then
 * close both. Returns the object the `before` hook fills. (A file's own
 * setup goes here: node:test does not wait for one root `before` hook
 * before it starts the next.)
 */
export function useSite(root = "dist", setup: (site: Site) => Promise<void> | void = () => {}): Site {
  const site = {} as Site;
  let server: Server | undefined;
  before(async () => {
    assert.ok(existsSync(join(root, "index.html")), `${root}/ is missing: run \`npm run build\` first (npm test does)`);
    ({ origin: site.origin, server } = await serve(root));
    site.browser = await launch();
    await setup(site);
  });
  after(async () => {
    await site.browser?.close();
    server?.close();
  });
  return site;
}
