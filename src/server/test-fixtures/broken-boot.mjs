// A worker entry that dies before it is ready: the pool must give up, not respawn forever.
throw new Error('boom at boot');
