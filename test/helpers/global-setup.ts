// Builds dist/robot-id.cjs once per test run so CLI tests exercise the same bundle the
// single executable is made from.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/bundle.mjs'], { stdio: 'inherit' });
}
