import { describe, expect, it } from 'vitest';
import { GESTURE_FRAMES, GestureFramePolicy, snapshotStaleness, snapshotTransform, viewsDiffer } from './gesture-frames';

/** regl-scatterplot's getScreenPosition: data point → clip (projection · view · model) → pixels. */
function screen(view: number[], [x, y]: [number, number], width: number, height: number, dataAspect = 1): [number, number] {
  const mx = x * dataAspect; // model = scale(dataAspect, 1)
  const u = view[0] * mx + view[4] * y + view[12];
  const v = view[1] * mx + view[5] * y + view[13];
  const cx = u / (width / height); // projection = scale(1 / aspect, 1)
  return [(width * (cx + 1)) / 2, height * (0.5 - v / 2)];
}

const scaleMove = (s: number, tx: number, ty: number) => [s, 0, 0, 0, 0, s, 0, 0, 0, 0, 1, 0, tx, ty, 0, 1];
const rotated = (s: number, a: number, tx: number, ty: number) => [s * Math.cos(a), s * Math.sin(a), 0, 0, -s * Math.sin(a), s * Math.cos(a), 0, 0, 0, 0, 1, 0, tx, ty, 0, 1];

describe('snapshotTransform', () => {
  const W = 860;
  const H = 480;
  const points: Array<[number, number]> = [
    [0, 0],
    [0.5, -0.3],
    [-0.9, 0.8],
    [0.123, 0.456],
  ];

  it.each([
    ['a zoom about a moved centre', scaleMove(1, 0, 0), scaleMove(2.5, 0.3, -0.2)],
    ['a pan while zoomed out', scaleMove(0.6, -0.1, 0.2), scaleMove(0.6, 0.25, 0.05)],
    ['a zoom out', scaleMove(3, 1, -1), scaleMove(1.2, 0.1, 0)],
    ['a rotation', rotated(1.5, 0.2, 0.1, 0.1), rotated(1.1, -0.4, -0.2, 0.3)],
  ])('moves every point of the old frame to where the new camera draws it: %s', (_, from, to) => {
    const m = snapshotTransform(from, to, W, H)!;
    expect(m).not.toBeNull();
    for (const dataAspect of [1, 0.7]) {
      for (const p of points) {
        const [x0, y0] = screen(from, p, W, H, dataAspect);
        const [x1, y1] = screen(to, p, W, H, dataAspect);
        expect(m[0] * x0 + m[2] * y0 + m[4]).toBeCloseTo(x1, 6);
        expect(m[1] * x0 + m[3] * y0 + m[5]).toBeCloseTo(y1, 6);
      }
    }
  });

  it('is the identity for the same camera, and a uniform scale for a zoom', () => {
    const v = scaleMove(1.7, 0.2, -0.4);
    const id = snapshotTransform(v, v, W, H)!;
    [1, 0, 0, 1, 0, 0].forEach((x, i) => expect(id[i]).toBeCloseTo(x, 9));
    const zoom = snapshotTransform(scaleMove(1, 0, 0), scaleMove(2, 0, 0), W, H)!;
    expect(zoom[0]).toBeCloseTo(2, 9);
    expect(zoom[3]).toBeCloseTo(2, 9);
    // the centre stays put
    expect(zoom[0] * (W / 2) + zoom[4]).toBeCloseTo(W / 2, 6);
    expect(zoom[3] * (H / 2) + zoom[5]).toBeCloseTo(H / 2, 6);
  });

  it('gives no transform for a degenerate camera or canvas', () => {
    expect(snapshotTransform(scaleMove(0, 0, 0), scaleMove(1, 0, 0), W, H)).toBeNull();
    expect(snapshotTransform(scaleMove(1, 0, 0), scaleMove(1, 0, 0), 0, H)).toBeNull();
    expect(snapshotTransform(scaleMove(1, 0, 0), scaleMove(Number.NaN, 0, 0), W, H)).toBeNull();
  });

  it('snapshotStaleness: 0 for the real frame, the scale change for a zoom, the uncovered share for a pan', () => {
    expect(snapshotStaleness([1, 0, 0, 1, 0, 0], W, H)).toBe(0);
    expect(snapshotStaleness([1, 0, 0, 1, 0.1 * W, 0], W, H)).toBeCloseTo(0.1, 9);
    expect(snapshotStaleness([1, 0, 0, 1, -0.1 * W, 0.5 * H], W, H)).toBeCloseTo(1 - 0.9 * 0.5, 9);
    // a 1.25× zoom about the centre covers the plot; the points are 25 % bigger
    expect(snapshotStaleness(snapshotTransform(scaleMove(1, 0, 0), scaleMove(1.25, 0, 0), W, H)!, W, H)).toBeCloseTo(0.25, 6);
    // a 0.5× zoom out leaves three quarters of the plot empty
    expect(snapshotStaleness(snapshotTransform(scaleMove(1, 0, 0), scaleMove(0.5, 0, 0), W, H)!, W, H)).toBeCloseTo(0.75, 6);
    expect(snapshotStaleness(snapshotTransform(rotated(1, 0, 0, 0), rotated(1, 0.3, 0, 0), W, H)!, W, H)).toBe(1);
  });

  it('viewsDiffer compares scale, rotation and translation', () => {
    expect(viewsDiffer(scaleMove(1, 0, 0), scaleMove(1, 0, 0))).toBe(false);
    expect(viewsDiffer(scaleMove(1, 0, 0), scaleMove(1, 0, 1e-9))).toBe(true);
    expect(viewsDiffer(scaleMove(1, 0, 0), rotated(1, 0.1, 0, 0))).toBe(true);
  });
});

describe('GestureFramePolicy', () => {
  const slow = () => {
    const p = new GestureFramePolicy();
    p.drewFull();
    for (let i = 0; i < 3; i++) p.measuredFull(60);
    return p;
  };

  it('draws every frame for real while real frames are within budget (a GPU)', () => {
    const p = new GestureFramePolicy();
    expect(p.choose(0, true)).toBe('full'); // nothing drawn yet
    p.drewFull();
    for (let i = 0; i < 3; i++) p.measuredFull(3);
    expect(p.slow()).toBe(false);
    expect(p.choose(16, true)).toBe('full');
  });

  it('draws camera-only frames as snapshots when real frames are slow', () => {
    const p = slow();
    expect(p.slow()).toBe(true);
    expect(p.choose(16, true)).toBe('snapshot');
    expect(p.choose(32, true)).toBe('snapshot');
  });

  it('draws for real when anything but the camera changed, or the camera did not move', () => {
    const p = slow();
    expect(p.choose(16, false)).toBe('full');
    p.invalidate();
    expect(p.choose(16, true)).toBe('full');
    p.drewFull();
    expect(p.choose(32, true)).toBe('snapshot');
  });

  it('sharpens during a long gesture, no more often than real frames take a quarter of the time', () => {
    const p = slow();
    // A gesture starting long after the last real frame: its first frame is a snapshot.
    expect(p.choose(10_000, true)).toBe('snapshot');
    expect(p.choose(10_000 + GESTURE_FRAMES.sharpenMs - 1, true)).toBe('snapshot');
    expect(p.choose(10_000 + GESTURE_FRAMES.sharpenMs, true)).toBe('full');
    p.drewFull();
    // The clock restarts at the next snapshot after that real frame.
    expect(p.choose(10_400, true)).toBe('snapshot');
    expect(p.choose(10_400 + GESTURE_FRAMES.sharpenMs - 1, true)).toBe('snapshot');
    const slower = new GestureFramePolicy();
    slower.drewFull();
    for (let i = 0; i < 3; i++) slower.measuredFull(200);
    expect(slower.choose(0, true)).toBe('snapshot');
    expect(slower.choose(799, true)).toBe('snapshot');
    expect(slower.choose(800, true)).toBe('full');
  });

  it('does not sharpen a snapshot that is as good as a real frame (a short pan)', () => {
    const p = slow();
    expect(p.choose(0, true, 0.01)).toBe('snapshot');
    expect(p.choose(5_000, true, 0.01)).toBe('snapshot');
    expect(p.choose(5_000, true, 0.2)).toBe('full');
  });

  it('decides on the median of the last real frames, ignoring nonsense', () => {
    const p = slow();
    p.measuredFull(Number.NaN);
    p.measuredFull(-5);
    expect(p.slow()).toBe(true);
    p.measuredFull(5);
    p.measuredFull(5);
    expect(p.slow()).toBe(false); // [60, 5, 5]
  });
});
