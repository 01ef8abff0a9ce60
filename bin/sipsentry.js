#!/usr/bin/env -S node --max-semi-space-size=32
// A 32 MiB young generation (Node's default is 16): the tracker keeps each transaction for its
// linger time, so with the default most of them are copied by a scavenge or two before they die;
// with this size the replay of the benchmark capture spends about a quarter less time in scavenges
// and runs 10–25 % faster (measured in alternating runs).
import '../dist/src/cli/main.js';
