// ARCHITECTURE.md's allowed imports between Elara packages: the one copy both layering checks use.
module.exports = {
  core: [],
  crypto: ['core'],
  time: ['core'],
  net: ['core'],
  state: ['core', 'time'],
  streams: ['core', 'time', 'state'],
  runtime: ['core', 'crypto', 'time', 'state', 'net', 'streams'],
};
