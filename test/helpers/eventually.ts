/** Polls an async check until it holds, every `everyMs`; throws naming `what` after `ms`. */
export async function eventually(check: () => Promise<boolean>, what: string, ms = 30_000, everyMs = 100): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
