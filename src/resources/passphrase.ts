// Which passphrase variables the Pulumi CLI gets from scripts/pulumi.sh (which has already refused blank ones).

/**
 * The variables that choose how Pulumi encrypts the stack's secrets: PULUMI_CONFIG_PASSPHRASE only when it is set
 * and not empty, else PULUMI_CONFIG_PASSPHRASE_FILE (Pulumi prefers the variable, even an empty one, over the file);
 * an empty passphrase only when ORY_RECONCILE_THROWAWAY_STACK=1 says the stack is a throwaway.
 */
export function passphraseEnv(
  env: NodeJS.ProcessEnv,
): { PULUMI_CONFIG_PASSPHRASE: string } | { PULUMI_CONFIG_PASSPHRASE_FILE: string } {
  if (env.PULUMI_CONFIG_PASSPHRASE) return { PULUMI_CONFIG_PASSPHRASE: env.PULUMI_CONFIG_PASSPHRASE };
  if (env.PULUMI_CONFIG_PASSPHRASE_FILE) return { PULUMI_CONFIG_PASSPHRASE_FILE: env.PULUMI_CONFIG_PASSPHRASE_FILE };
  if (env.ORY_RECONCILE_THROWAWAY_STACK === "1") return { PULUMI_CONFIG_PASSPHRASE: "" };
  throw new Error(
    "PULUMI_CONFIG_PASSPHRASE is empty: the stack's secrets would be encrypted with an empty passphrase\n" +
      "  hint: export PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE), or set ORY_RECONCILE_THROWAWAY_STACK=1 for a throwaway stack",
  );
}
