// The RegistryStore contract as one shared suite (like store-contract.ts): the in-memory store and
// the Redis one run exactly these tests.
import { describe, expect, test } from 'vitest';
import { validateSpec } from '../../protocol/define-function';
import { bundleHash } from './bundle-files';
import { MissingBundleError, VersionTakenError, type NewDeploy, type RegistryStore } from './registry-store';

const deployOf = (name: string, extra: Partial<NewDeploy> = {}): NewDeploy => ({
  name,
  spec: validateSpec({ name, model: 'default' }, { hasHandler: false }),
  deployedAt: 1_700_000_000_000,
  ...extra,
});

export function registryStoreContract(name: string, make: () => Promise<RegistryStore> | RegistryStore): void {
  describe(`RegistryStore contract: ${name}`, () => {
    test('versions are 1, 2, … per name; current and list show the latest record', async () => {
      const s = await make();
      expect((await s.publish(deployOf('a'))).version).toBe(1);
      expect((await s.publish(deployOf('b'))).version).toBe(1);
      const a2 = await s.publish(deployOf('a', { deployedAt: 5 }));
      expect(a2).toEqual({ ...deployOf('a', { deployedAt: 5 }), version: 2 });
      expect(await s.current('a')).toEqual(a2);
      expect(await s.current('missing')).toBeUndefined();
      expect((await s.list()).map((r) => `${r.name}@${r.version}`).sort()).toEqual(['a@2', 'b@1']);
    });

    test('concurrent deploys of one name get distinct versions', async () => {
      const s = await make();
      const got = await Promise.all(Array.from({ length: 12 }, () => s.publish(deployOf('same'))));
      expect(got.map((r) => r.version).sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      expect((await s.current('same'))?.version).toBe(12);
    });

    test('nextVersion only reads; a publish expecting a version another deploy took records nothing', async () => {
      const s = await make();
      expect(await s.nextVersion('e')).toBe(1);
      expect(await s.nextVersion('e')).toBe(1);
      expect((await s.publish(deployOf('e'), 1)).version).toBe(1);
      await expect(s.publish(deployOf('e', { deployedAt: 9 }), 1)).rejects.toBeInstanceOf(VersionTakenError);
      expect(await s.current('e')).toMatchObject({ version: 1, deployedAt: 1_700_000_000_000 });
      expect(await s.nextVersion('e')).toBe(2);
      expect((await s.publish(deployOf('e'), 2)).version).toBe(2);
    });

    test('a deploy whose bundle was not stored is refused and consumes no version', async () => {
      const s = await make();
      const text = 'export default { handler: (t) => t.map((x) => x.length) };';
      const hash = bundleHash(text);
      const spec = validateSpec({ name: 'h', output: 'float64' }, { hasHandler: true });
      await expect(s.publish({ name: 'h', spec, bundleHash: hash, deployedAt: 1 })).rejects.toBeInstanceOf(MissingBundleError);
      expect(await s.current('h')).toBeUndefined();
      await s.putBundle(hash, text);
      expect(await s.getBundle(hash)).toBe(text);
      expect(await s.getBundle(bundleHash('other'))).toBeUndefined();
      expect(await s.publish({ name: 'h', spec, bundleHash: hash, deployedAt: 1 })).toMatchObject({ version: 1, bundleHash: hash });
    });

    test('remove returns the record it removed; a later deploy never reuses a version', async () => {
      const s = await make();
      await s.publish(deployOf('r'));
      expect((await s.remove('r'))?.version).toBe(1);
      expect(await s.remove('r')).toBeUndefined();
      expect(await s.current('r')).toBeUndefined();
      expect(await s.list()).toEqual([]);
      expect((await s.publish(deployOf('r'))).version).toBe(2);
    });

    test('restore puts back a lost record with its version, once; never over a current one or a removal', async () => {
      const s = await make();
      const lost = { ...deployOf('lost'), version: 7 };
      expect(await s.restore(lost)).toEqual(lost);
      expect(await s.current('lost')).toEqual(lost);
      expect(await s.nextVersion('lost')).toBe(8);
      expect(await s.restore({ ...lost, deployedAt: 1 })).toEqual(lost); // a second node restoring changes nothing
      await s.remove('lost');
      expect(await s.restore(lost)).toBeUndefined(); // removed on purpose: the counter remembers it
      expect(await s.current('lost')).toBeUndefined();
    });

    test('watch hears every deploy and removal, after it is made', async () => {
      const s = await make();
      const heard: string[] = [];
      const stop = await s.watch({ changed: (n) => heard.push(n) });
      await s.publish(deployOf('w1'));
      await s.publish(deployOf('w2'));
      await s.remove('w1');
      await expect.poll(() => heard, { timeout: 5_000 }).toEqual(['w1', 'w2', 'w1']);
      stop();
      await s.publish(deployOf('w3'));
      await s.current('w3'); // a round trip: an event still on its way would have arrived by now
      expect(heard).toEqual(['w1', 'w2', 'w1']);
    });
  });
}
