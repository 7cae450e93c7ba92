import { launch, serve } from "./support.js";
const { origin, server } = await serve("dist");
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1200, height: 1600 }, colorScheme: (process.env.SCHEME as "dark") ?? "light" });
const errors: string[] = [];
page.on("pageerror", (e) => errors.push(String(e)));
page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
for (const path of (process.argv[2] ?? "playground").split(",")) {
  await page.goto(`${origin}/${path}`);
  await page.waitForTimeout(4000);
  if (process.env.OPEN) for (const d of await page.locator(process.env.OPEN).all()) await d.evaluate((e) => ((e as HTMLDetailsElement).open = true));
  await page.waitForTimeout(500);
  if (process.env.SEL) {
    const box = (await page.locator(process.env.SEL).first().boundingBox())!;
    const y0 = Number(process.env.Y0 ?? 0);
    await page.screenshot({ path: `/tmp/el-${path || "index"}.png`, fullPage: true, clip: { x: box.x, y: box.y + y0, width: box.width, height: Math.min(box.height - y0, Number(process.env.H ?? 1200)) } });
  }
  else await page.screenshot({ path: `/tmp/shot-${path || "index"}.png`, fullPage: true });
}
console.log(errors.join("\n") || "no errors");
await browser.close();
server.close();
