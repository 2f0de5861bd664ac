import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveActionlint } from './helpers/actionlint.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const workflowsDir = join(repoRoot, '.github', 'workflows');
const workflowFiles = readdirSync(workflowsDir)
  .filter((name) => /\.ya?ml$/.test(name))
  .sort()
  .map((name) => join('.github', 'workflows', name));

/** Every `uses:` of a remote action in a workflow, with the comment after it. */
function actionReferences(file: string): { file: string; ref: string; comment: string }[] {
  return readFileSync(join(repoRoot, file), 'utf8')
    .split('\n')
    .map((line) => /^\s*(?:-\s+)?uses:\s*(\S+)\s*(?:#\s*(.*))?$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .filter((match) => !match[1]!.startsWith('./'))
    .map((match) => ({ file, ref: match[1]!, comment: (match[2] ?? '').trim() }));
}

describe('the GitHub workflows', () => {
  it('exist, so the checks below judge something', () => {
    expect(workflowFiles).toContain('.github/workflows/ci.yml');
    expect(workflowFiles).toContain('.github/workflows/deploy.yml');
  });

  it('pass actionlint with no finding', () => {
    const actionlint = resolveActionlint();

    // shellcheck and pyflakes are off: they are whatever each machine has on PATH (CI's runners
    // ship shellcheck), and the pinned actionlint alone must give the same verdict everywhere.
    const result = spawnSync(
      actionlint,
      ['-no-color', '-shellcheck=', '-pyflakes=', ...workflowFiles],
      { cwd: repoRoot, encoding: 'utf8' },
    );

    expect(result.error).toBeUndefined();
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });

  it('pin every action to a full commit SHA with its release in a comment', () => {
    const references = workflowFiles.flatMap(actionReferences);

    const unpinned = references.filter(
      ({ ref, comment }) =>
        !/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref) || !/^v\d+\.\d+\.\d+$/.test(comment),
    );

    expect(references.length).toBeGreaterThan(0);
    expect(unpinned).toEqual([]);
  });

  it('pin each action to one commit and release everywhere', () => {
    const pins = new Map<string, Set<string>>();
    for (const { ref, comment } of workflowFiles.flatMap(actionReferences)) {
      const [action] = ref.split('@');
      pins.set(action!, (pins.get(action!) ?? new Set()).add(`${ref} # ${comment}`));
    }

    const inconsistent = [...pins].filter(([, seen]) => seen.size > 1);

    expect(inconsistent).toEqual([]);
  });
});
