import { serve, launch } from "./support.ts";
const { origin, server } = await serve("/work/main/dist");
const b = await launch();
const p = await b.newPage({ viewport: { width: 1200, height: 900 } });
p.on("console", (m) => console.log("console", m.type(), m.text()));
p.on("response", (r) => { if (r.status() >= 400) console.log("HTTP", r.status(), r.url()); });
p.on("requestfailed", (r) => console.log("failed", r.url()));
p.on("request", (r) => { if (!r.url().startsWith(origin)) console.log("external", r.url()); });
await p.goto(origin + "/", { waitUntil: "networkidle" });
await p.waitForSelector("#overview-timeline svg", { timeout: 10000 }).catch(e => console.log("no svg", e.message));
console.log(await p.locator("#hash-check").textContent());
await p.screenshot({ path: process.argv[2] ?? "/tmp/overview.png", fullPage: true });
if (process.argv[3] === "dark") { await p.emulateMedia({ colorScheme: "dark" }); await p.screenshot({ path: "/tmp/overview-dark.png", fullPage: true }); }
await b.close(); server.close();
