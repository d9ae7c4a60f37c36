// `npm run build`, skipped when its inputs have not changed since the last build.
//
// Why: `npx bp-train` in this folder installs the folder into npm's npx cache as a link and
// runs its `prepare` script again, which made the first run after `npm install` wait 25-40 s
// for a second full build. The inputs are every file the build reads (src/, bin/, the
// tsconfigs, package.json and the lock file); their sha256 is kept in build/inputs.sha256,
// written only after a build that succeeded. `npm run build` always builds.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stampFile = join(root, 'build', 'inputs.sha256');
const inputs = ['src', 'bin', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];
const outputs = ['build/simd.wasm', 'build/program.wasm', 'build/page/index.html', 'dist/index.js'];

function inputFiles() {
  const files = [];
  for (const entry of inputs) {
    const path = join(root, entry);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat === undefined) continue;
    if (!stat.isDirectory()) files.push(entry);
    else for (const name of readdirSync(path, { recursive: true })) {
      const file = join(entry, String(name));
      if (statSync(join(root, file)).isFile()) files.push(file);
    }
  }
  return files.sort();
}

function inputsDigest() {
  const hash = createHash('sha256');
  for (const file of inputFiles()) hash.update(`${file}\0`).update(readFileSync(join(root, file))).update('\0');
  return hash.digest('hex');
}

const digest = inputsDigest();
const built = outputs.every((file) => existsSync(join(root, file)));
if (built && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === digest) {
  console.log(`build is up to date (inputs sha256 ${digest.slice(0, 12)}); \`npm run build\` forces one`);
} else {
  const { status, error } = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (error !== undefined) console.error(`build-if-changed: could not run npm run build: ${error.message}`);
  if (status !== 0) process.exit(status ?? 1);
  writeFileSync(`${stampFile}.tmp`, `${digest}\n`);
  renameSync(`${stampFile}.tmp`, stampFile);
}
