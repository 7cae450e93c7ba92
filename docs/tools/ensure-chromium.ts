// Make sure Chromium is there for the browser tests: $CHROMIUM, or Debian's
// /usr/bin/chromium, installed with apt-get when running as root.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const wanted = process.env.CHROMIUM ?? "/usr/bin/chromium";
if (existsSync(wanted)) process.exit(0);

const help = [
  `Chromium is needed for the browser tests and was not found at ${wanted}.`,
  "  On Debian or Ubuntu:  sudo apt-get update && sudo apt-get install -y chromium",
  "  Elsewhere: install Chromium or Chrome and set CHROMIUM=/path/to/the/binary.",
].join("\n");

const isRoot = process.getuid?.() === 0;
const hasApt = spawnSync("sh", ["-c", "command -v apt-get"]).status === 0;
if (process.env.CHROMIUM || !isRoot || !hasApt) {
  console.error(help);
  process.exit(1);
}
console.log("Chromium not found: installing Debian's chromium package (apt-get)...");
try {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "inherit", env });
} catch {
  console.error(`apt-get could not install chromium.\n${help}`);
  process.exit(1);
}
if (!existsSync(wanted)) {
  console.error(`chromium was installed but ${wanted} does not exist.\n${help}`);
  process.exit(1);
}
console.log(`Chromium installed: ${wanted}`);
