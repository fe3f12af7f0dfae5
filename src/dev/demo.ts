// The README demo: a throwaway Kratos, then plan -> apply -> what is live -> plan again (a no-op).
import { main } from "../cli/main";
import { startKratos } from "./kratos";

function banner(text: string): void {
  process.stdout.write(`\n=== ${text}\n`);
}

async function demo(paths: string[]): Promise<number> {
  banner("Starting a throwaway Ory Kratos on loopback");
  const kratos = await startKratos();
  process.env.ORY_ADMIN_URL = kratos.adminUrl;
  process.stdout.write(
    `Kratos ${kratos.version} is ready: admin API ${kratos.adminUrl}, public API ${kratos.publicUrl}\n`,
  );
  try {
    banner(`ory-reconcile plan ${paths.join(" ")}`);
    const planned = await main(["plan", ...paths, "--detailed-exitcode"]);
    if (planned === 1) return 1;
    banner(`ory-reconcile apply ${paths.join(" ")}`);
    if ((await main(["apply", ...paths])) !== 0) return 1;
    banner("Live identities now (GET /admin/identities)");
    const response = await fetch(`${kratos.adminUrl}/admin/identities?page_size=500`);
    const live = (await response.json()) as Array<{
      id: string;
      traits: { email?: string };
      state: string;
      metadata_admin?: { ory_reconcile?: { set?: string } };
    }>;
    const setOf = (i: (typeof live)[number]) => i.metadata_admin?.ory_reconcile?.set ?? "-";
    live.sort((a, b) =>
      `${setOf(a)} ${a.traits.email}`.localeCompare(`${setOf(b)} ${b.traits.email}`, "en", { numeric: true }),
    );
    for (const identity of live) {
      process.stdout.write(
        `  ${identity.id}  ${(identity.traits.email ?? "").padEnd(28)} ${identity.state.padEnd(8)} set=${setOf(identity)}\n`,
      );
    }
    banner(`ory-reconcile plan ${paths.join(" ")} --detailed-exitcode   (again: expect no changes, exit 0)`);
    const again = await main(["plan", ...paths, "--detailed-exitcode"]);
    process.stdout.write(`exit code ${again}: ${again === 0 ? "in sync, nothing to do" : "still changes pending"}\n`);
    return again;
  } finally {
    await kratos.stop();
    banner("Kratos stopped and its temp dir removed");
  }
}

demo(process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["manifests"]).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
