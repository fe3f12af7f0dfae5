// The root Pulumi.yaml program (every set in manifests/ as an IdentitySet), run the way scripts/pulumi.sh runs it:
// dist/dev/run-program.js under the real CLI, against a real Kratos, with a throwaway file backend.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Kratos, startKratos } from "../../../src/dev/kratos";
import { loadManifests } from "../../../src/manifest";
import { readMarker } from "../../../src/reconcile/core/marker";
import { adminApi, ensureBuilt, REPO } from "./project";

const run = promisify(execFile);
const STACK = `root-test-${process.pid}`;

let kratos: Kratos;
let backend: string;

beforeAll(async () => {
  await ensureBuilt();
  kratos = await startKratos();
  backend = mkdtempSync(join(tmpdir(), "ory-reconcile-root-"));
});

afterAll(async () => {
  await kratos?.stop();
  rmSync(backend, { recursive: true, force: true });
  rmSync(join(REPO, `Pulumi.${STACK}.yaml`), { force: true }); // the stack's config file beside Pulumi.yaml
});

async function program(command: string): Promise<string> {
  const env = {
    ...process.env,
    ORY_ADMIN_URL: kratos.adminUrl,
    PULUMI_BACKEND_URL: `file://${backend}`,
    PULUMI_CONFIG_PASSPHRASE: "root-test",
  };
  const { stdout } = await run("node", [join(REPO, "dist/dev/run-program.js"), command, "--stack", STACK], {
    cwd: REPO,
    env,
    maxBuffer: 64 << 20,
  });
  return stdout;
}

it("previews, deploys and destroys every set of manifests/ (deleting what prunes, releasing the rest)", async () => {
  const loaded = loadManifests([join(REPO, "manifests")]);
  if (!loaded.ok) throw new Error("manifests/ must be valid");
  const declared = loaded.sets.flatMap((set) => set.identities.map((i) => `${set.name}/${i.key}`)).sort();

  expect(await program("preview")).toMatch(new RegExp(`\\+ ${loaded.sets.length + 1} to create`));
  expect(await program("up")).toMatch(new RegExp(`\\+ ${loaded.sets.length + 1} created`));
  const api = adminApi(kratos.adminUrl);
  const live = (await api.list()).map((i) => `${readMarker(i.metadata_admin)?.set}/${i.traits?.email}`).sort();
  expect(live).toEqual(declared);
  expect(await program("preview")).toMatch(new RegExp(`${loaded.sets.length + 1} unchanged`));
  expect(await program("destroy")).toMatch(new RegExp(`- ${loaded.sets.length + 1} deleted`));
  // Sets that prune delete their identities; the others release them (kept, marker removed).
  const released = loaded.sets
    .filter((set) => !set.prune)
    .flatMap((set) => set.identities.map((i) => `undefined/${i.key}`));
  expect((await api.list()).map((i) => `${readMarker(i.metadata_admin)?.set}/${i.traits?.email}`).sort()).toEqual(
    released.sort(),
  );
});
