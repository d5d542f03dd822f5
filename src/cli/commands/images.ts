import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { RuntimeError, errorMessage } from '../../errors.js';
import { PACKAGE_ROOT } from '../../paths.js';
import { dockerClient, pingDocker } from '../../providers/docker/client.js';
import { imageFor } from '../../providers/dockerImages.js';
import { IMAGE_SETS } from '../../config/providerOptions.js';

const BUILD_SCRIPT = path.join(PACKAGE_ROOT, 'scripts', 'build-offline-images.sh');
const BACKENDS_WITH_IMAGES = ['redis', 'memcached', 'mysql'];

const EXAMPLES = `
Examples:
  $ sudo session-bench images build-offline     # ~2 min: debootstrap + docker import, no registry
  $ session-bench run --provider docker --image-set offline --backends redis:aof-always
  $ session-bench images list --json`;

function buildOffline(force: boolean): Promise<void> {
  if (!existsSync(BUILD_SCRIPT)) {
    throw new RuntimeError(`the build script is missing: ${BUILD_SCRIPT}`);
  }
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [BUILD_SCRIPT, ...(force ? ['--force'] : [])], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', (error) =>
      reject(new RuntimeError(`cannot run ${BUILD_SCRIPT}: ${errorMessage(error)}`)),
    );
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new RuntimeError(
            `building the offline images failed (${signal ?? `exit ${code}`}); see the lines above`,
          ),
        );
    });
  });
}

interface ImageListing {
  backend: string;
  imageSet: string;
  image: string | null;
  present: boolean | null;
}

async function listImages(): Promise<{ daemon: string; images: ImageListing[] }> {
  const docker = dockerClient();
  let daemon = 'answers';
  try {
    // An unreachable DOCKER_HOST must not hang the listing.
    await pingDocker(docker);
  } catch (error) {
    daemon = `does not answer (${errorMessage(error)})`;
  }
  const images: ImageListing[] = [];
  for (const imageSet of IMAGE_SETS) {
    for (const backend of BACKENDS_WITH_IMAGES) {
      const image = imageFor(backend, imageSet) ?? null;
      let present: boolean | null = null;
      if (image && daemon === 'answers') {
        present = await docker
          .getImage(image)
          .inspect()
          .then(
            () => true,
            () => false,
          );
      }
      images.push({ backend, imageSet, image, present });
    }
  }
  return { daemon, images };
}

export function imagesCommand(): Command {
  const images = new Command('images').description(
    'container images for the docker provider: official (pinned tags) or offline (built from Debian packages)',
  );
  images
    .command('build-offline')
    .description(
      'build the offline image set with debootstrap + docker import (needs root and a Docker daemon; no registry)',
    )
    .option('--force', 'rebuild even when the image is present')
    .addHelpText('after', EXAMPLES)
    .action(async (flags: { force?: boolean }) => buildOffline(Boolean(flags.force)));
  images
    .command('list')
    .description('the image each backend uses in each image set, and whether it is present')
    .option('--json', 'print JSON on stdout')
    .action(async (flags: { json?: boolean }) => {
      const listing = await listImages();
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(listing, null, 2)}\n`);
        return;
      }
      const lines = [`Docker daemon: ${listing.daemon}`];
      for (const i of listing.images) {
        const state = i.present === null ? '' : i.present ? '  present' : '  missing';
        lines.push(`  ${i.imageSet.padEnd(15)} ${i.backend.padEnd(10)} ${i.image ?? '-'}${state}`);
      }
      process.stderr.write(`${lines.join('\n')}\n`);
    });
  return images;
}
