// `npm run kratos`: a throwaway Kratos in the foreground for trying things by hand (Ctrl-C stops and cleans up).
import { startKratos } from "./kratos";

startKratos({ verbose: process.argv.includes("--verbose") }).then(
  (kratos) => {
    process.stdout.write(
      `Kratos ${kratos.version} ready.\n  export ORY_ADMIN_URL=${kratos.adminUrl}\n  public API: ${kratos.publicUrl}\nCtrl-C to stop.\n`,
    );
    const stop = () => kratos.stop().then(() => process.exit(0));
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  },
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
