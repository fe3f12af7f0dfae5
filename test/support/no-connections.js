// Preloaded into a CLI run (NODE_OPTIONS=--require …) that must not open any connection: the first attempt ends the
// process with exit code 99 and says so on stderr, so a test sees it at once instead of waiting on a timeout.
const net = require("node:net");
net.Socket.prototype.connect = function refused() {
  process.stderr.write("[test] a connection was attempted\n");
  process.exit(99);
};
