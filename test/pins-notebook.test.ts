// The /pins notebook's matrix (docs/components/pin-coherence.ts), explored
// in Node as the page's worker explores it, against what the kernel did:
// each expected cell names its source (the facts in the commit messages
// and mm/memory.c, mm/gup.c as read).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { assertScenario } from "../src/index.js";
import { explored } from "./worker-jobs.js";
import { brokenOutcome, coherenceScenario, guarantee, PIN_KINDS, PIN_OPERATIONS, PIN_PROFILES, returned, withPinKind } from "../docs/components/pin-coherence.js";

/** Expected guarantee per operation and pin kind, one letter per profile (v5.7 v5.9 v6.4 v6.12): H held, B broken. */
const EXPECTED: Record<string, Record<string, string>> = {
  // v5.7: fork shares the pinned page COW; whoever writes first while both map it copies (reuse by mapcount), so the pin and the
  // address part in some order. v5.9: 70e806e4e645 copies a maybe-pinned page for the child at fork. FOLL_GET is no pin: never copied early,
  // and from 09854ba94c6a (v5.9) its extra reference makes every write COW.
  "fork, then the parent writes": { "FOLL_GET": "BBBB", "FOLL_PIN R/W": "BHHH", "FOLL_PIN R/O": "BHHH" },
  "fork, then the child writes": { "FOLL_GET": "BBBB", "FOLL_PIN R/W": "BHHH", "FOLL_PIN R/O": "BHHH" },
  // zap_pte_range(): no pin check, on any version.
  "MADV_DONTNEED": { "FOLL_GET": "BBBB", "FOLL_PIN R/W": "BBBB", "FOLL_PIN R/O": "BBBB" },
  "munmap": { "FOLL_GET": "BBBB", "FOLL_PIN R/W": "BBBB", "FOLL_PIN R/O": "BBBB" },
  // move_vma() -> move_ptes() moves the PTE with its page: the pinned page is mapped at the new address (buf), on any version.
  "mremap (buf moves)": { "FOLL_GET": "HHHH", "FOLL_PIN R/W": "HHHH", "FOLL_PIN R/O": "HHHH" },
  // MADV_PAGEOUT (1a4e58cce84e, v5.4): on v5.7/v5.9 try_to_unmap_one() unmaps the page whatever holds it, and a read swaps it
  // back in read-only from the swap cache; the write then goes to do_wp_page(): v5.7 reuses by mapcount (reuse_swap_page()),
  // v5.9 copies (refcount > 1, 09854ba94c6a). v5.11: reclaim keeps a maybe-pinned page out of the swap cache (feb889fb40fa);
  // a FOLL_GET page's swap PTE is SWP_EXCLUSIVE from v5.19 (1493a1913e34), so the read maps it exclusive and the write reuses it.
  "MADV_PAGEOUT, then a read": { "FOLL_GET": "HBHH", "FOLL_PIN R/W": "HBHH", "FOLL_PIN R/O": "HBHH" },
  // v5.9-v5.18: a write fault on a write-protected pinned page copies (refcount > 1, 09854ba94c6a); v5.19 (6c287605fd56):
  // PageAnonExclusive pages are reused whatever their refcount. v5.7 reused by mapcount.
  "mprotect R/O, R/W, then write": { "FOLL_GET": "HBHH", "FOLL_PIN R/W": "HBHH", "FOLL_PIN R/O": "HBHH" },
  // Migration unmaps, then checks the refcount (folio_migrate_mapping): any reference or pin keeps the page, on every
  // version; since v5.19 try_to_migrate() already refuses a maybe-pinned exclusive page.
  "move_pages (migration)": { "FOLL_GET": "HHHH", "FOLL_PIN R/W": "HHHH", "FOLL_PIN R/O": "HHHH" },
};

describe("the /pins matrix (docs/components/pin-coherence.ts)", () => {
  it("every cell's scenario is valid and states pin coherence, expected always", () => {
    for (const op of PIN_OPERATIONS) for (const kind of PIN_KINDS) {
      const s = assertScenario(coherenceScenario(op, kind, "v6.12"));
      assert.equal(s.property!.verdict, "always");
    }
  });

  it("explored exhaustively, each cell is held or broken as the kernel's history says", () => {
    const cells = PIN_OPERATIONS.flatMap((op) => PIN_KINDS.flatMap((kind) => PIN_PROFILES.map((profile) => ({ op, kind, profile }))));
    const t0 = performance.now();
    const data = explored(cells.map((c) => coherenceScenario(c.op, c.kind, c.profile)));
    const ms = performance.now() - t0;
    const got: Record<string, Record<string, string>> = {};
    cells.forEach((c, i) => {
      assert.ok(data[i]!.exhaustive, `${c.op.name} / ${c.kind.name} / ${c.profile}`);
      const row = (got[c.op.name] ??= {});
      row[c.kind.name] = (row[c.kind.name] ?? "") + (guarantee(data[i]!) === "held" ? "H" : "B");
    });
    assert.deepEqual(got, EXPECTED);
    const states = data.reduce((n, d) => n + d.states, 0);
    assert.ok(ms < 5000, `${cells.length} explorations, ${states} states, ${ms.toFixed(0)} ms`);
  });
});

describe("swapping a pin for a reference (withPinKind)", () => {
  it("turns pin_user_pages* and unpin_user_pages into get_user_pages* and put_page, in forked children too, and back", () => {
    const fork = assertScenario(JSON.parse(readFileSync("data/pin-coherence-fork-v5.7.json", "utf8")));
    const get = withPinKind(fork, "FOLL_GET");
    const text = JSON.stringify(get);
    assert.match(text, /"call":"get_user_pages_unlocked"/);
    assert.match(text, /"op":"put_page"/);
    assert.doesNotMatch(text, /pin_user_pages|unpin_user_pages/);
    assert.deepEqual(withPinKind(get, "FOLL_PIN"), fork);
  });

  it("the fork scenario: a pin is coherent from v5.9, a FOLL_GET reference never", () => {
    const fork = JSON.parse(readFileSync("data/pin-coherence-fork-v5.7.json", "utf8"));
    const data = explored(PIN_PROFILES.flatMap((profile) => [withPinKind({ ...fork, profile }, "FOLL_PIN"), withPinKind({ ...fork, profile }, "FOLL_GET")]));
    assert.deepEqual(data.map(guarantee), ["broken", "broken", "held", "broken", "held", "broken", "held", "broken"]);
  });
});

describe("the matrix's cell details", () => {
  it("a broken cell names the device's read and the process's last load (the access after the device wrote), not the row's own read", () => {
    const op = PIN_OPERATIONS.find((o) => o.name === "MADV_PAGEOUT, then a read")!;
    const [d] = explored([coherenceScenario(op, PIN_KINDS[0]!, "v5.9")]);
    const broken = brokenOutcome(d!)!;
    assert.equal(returned(broken.diagram, "vmm", "dma_read"), "7");
    assert.equal(returned(broken.diagram, "vmm", "load"), "1");
  });
});
