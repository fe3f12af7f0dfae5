// Progress of a long apply: a redrawn bar on a TTY, a line every 10% otherwise (quiet and greppable in CI).
export interface Progress {
  tick(done: number, total: number): void;
  end(): void;
}

export function progress(stream: NodeJS.WriteStream, label: string): Progress {
  let lastStep = -1;
  let drawn = false;
  return {
    tick(done, total) {
      if (total < 20) return;
      if (stream.isTTY) {
        const width = 30;
        const filled = Math.round((done / total) * width);
        stream.write(`\r${label} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total}`);
        drawn = true;
        return;
      }
      const step = Math.floor((done / total) * 10);
      if (step !== lastStep) {
        lastStep = step;
        stream.write(`${label}: ${done}/${total} (${Math.floor((done / total) * 100)}%)\n`);
      }
    },
    end() {
      if (drawn) stream.write("\n");
    },
  };
}
