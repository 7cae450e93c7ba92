import { launch, serve } from "./support.js";
const { origin, server } = await serve("dist");
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1200, height: 1600 } });
const errors: string[] = [];
page.on("pageerror", (e) => errors.push(String(e)));
page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
for (const path of (process.argv[2] ?? "playground").split(",")) {
  await page.goto(`${origin}/${path}`);
  await page.waitForTimeout(4000);
  await page.screenshot({ path: `/tmp/shot-${path || "index"}.png`, fullPage: true });
}
console.log(errors.join("\n") || "no errors");
await browser.close();
server.close();
