/**
 * Real photos for benchmarks, fetched at bench time from Debian's packages (python3-skimage, opencv-doc) into
 * `.bench-cache/` and never committed. `apt-get download` works without root privileges on the files.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const CACHE = resolve(process.env.MASKEDIT_BENCH_CACHE ?? '.bench-cache');

/** Colour photos worth measuring fills on (skimage's data set plus a few OpenCV samples). */
export const PHOTO_NAMES = [
  'skimage/coffee.png', 'skimage/astronaut.png', 'skimage/chelsea.png', 'skimage/rocket.jpg',
  'skimage/motorcycle_left.png', 'skimage/hubble_deep_field.jpg', 'skimage/brick.png', 'skimage/grass.png',
  'opencv/fruits.jpg', 'opencv/baboon.jpg', 'opencv/home.jpg', 'opencv/starry_night.jpg', 'opencv/aero1.jpg',
];

function ensurePackage(pkg: string): string {
  const root = join(CACHE, pkg);
  if (existsSync(join(root, '.done'))) return root;
  mkdirSync(root, { recursive: true });
  execFileSync('apt-get', ['download', pkg], { cwd: root, stdio: 'ignore' });
  const deb = readdirSync(root).find((f) => f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${pkg} produced no .deb in ${root}`);
  execFileSync('dpkg', ['-x', join(root, deb), join(root, 'x')]);
  execFileSync('touch', [join(root, '.done')]);
  return root;
}

/** Absolute path of a photo named like `skimage/coffee.png` or `opencv/fruits.jpg`, downloading on first use. */
export function photoPath(name: string): string {
  const [set, file] = name.split('/') as [string, string];
  if (set === 'skimage') return join(ensurePackage('python3-skimage'), 'x/usr/lib/python3/dist-packages/skimage/data', file);
  if (set === 'opencv') return join(ensurePackage('opencv-doc'), 'x/usr/share/doc/opencv-doc/examples/data', file);
  throw new Error(`unknown photo set in ${name}`);
}
