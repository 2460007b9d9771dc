// When the explorer draws its points for real, and when a pan/zoom frame is the last real frame's
// bitmap moved and scaled by the camera's change instead. A real frame of 100,000 points costs
// ~70 ms on a software GL (SwiftShader) but well under a frame on a GPU; a transformed bitmap costs
// one 2-D drawImage either way. So: while the camera moves and the last real frames took longer than
// the budget, camera-only frames are transformed snapshots; the points are drawn for real once the
// camera has been still for `settleMs`, every `sharpenMs` (or more, so real frames stay a small
// share) during a long gesture, and at once for anything that is not the camera (data, colour,
// selection; a hover with a still camera). Pure logic, no DOM: scatter-renderer.ts applies it.

/** The policy's constants (ms). A real frame's cost is from its start until the GL has drawn it (scatter-renderer.ts). */
export const GESTURE_FRAMES = {
  /** Real frames costing more than a 60 Hz frame make camera-only frames snapshots. */
  budgetMs: 16,
  /** The camera still this long after a snapshot frame: draw for real. */
  settleMs: 120,
  /** During a long gesture, draw for real at least this often, so a zoom sharpens. */
  sharpenMs: 300,
  /** …and not more often than real frames taking this share of the gesture's time… */
  sharpenShare: 0.25,
  /** …and only when the snapshot is this far from a real frame (see snapshotStaleness): a short pan needs none. */
  sharpenStaleness: 0.05,
  /** Real frames whose cost decides "slow" (the median of the last ones). */
  costWindow: 3,
} as const;

export type GestureFrameOptions = { readonly [K in keyof typeof GESTURE_FRAMES]: number };

export type FrameKind = 'full' | 'snapshot';

export class GestureFramePolicy {
  private readonly costs: number[] = [];
  /** Something other than the camera changed since the last real frame (or nothing was drawn yet). */
  private dirty = true;
  /** When the snapshots since the last real frame began (null: the last frame was real). */
  private snapshotsSince: number | null = null;

  constructor(private readonly o: GestureFrameOptions = GESTURE_FRAMES) {}

  /** The next frame must draw for real (a data, colour or selection change; the camera settled). */
  invalidate(): void {
    this.dirty = true;
  }

  /**
   * The frame to draw at `now`; `moved`: the camera differs from the last real frame's; `staleness`:
   * how far the snapshot would be from a real frame (snapshotStaleness). A gesture's
   * first frame is a snapshot too (the last real frame is the settled view it starts from); the
   * sharpening clock runs from the first snapshot since the last real frame.
   */
  choose(now: number, moved: boolean, staleness = Infinity): FrameKind {
    if (this.dirty || !moved || !this.slow()) return 'full';
    const every = Math.max(this.o.sharpenMs, this.cost() / this.o.sharpenShare);
    this.snapshotsSince ??= now;
    return now - this.snapshotsSince >= every && staleness > this.o.sharpenStaleness ? 'full' : 'snapshot';
  }

  /** A real frame was drawn. */
  drewFull(): void {
    this.dirty = false;
    this.snapshotsSince = null;
  }

  /** What a real frame cost (ms). */
  measuredFull(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.costs.push(ms);
    if (this.costs.length > this.o.costWindow) this.costs.shift();
  }

  /** Whether real frames are over budget (none measured yet: not known to be, so no). */
  slow(): boolean {
    return this.costs.length > 0 && this.cost() > this.o.budgetMs;
  }

  private cost(): number {
    const s = [...this.costs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)] ?? 0;
  }
}

/** A 2-D camera view as regl-scatterplot keeps it: a column-major 4×4 matrix (scale, rotation, translation). */
type View = ArrayLike<number>;

/** Canvas 2-D transform [a, b, c, d, e, f]: (x, y) → (a·x + c·y + e, b·x + d·y + f). */
export type Affine2d = [number, number, number, number, number, number];

/**
 * The transform that moves a bitmap drawn with camera `from` to where camera `to` would draw it, in
 * the pixels of a `width`×`height` canvas. regl-scatterplot maps a point p to clip space as
 * projection · view · model · p with projection = scale(height/width, 1) and a diagonal model, so a
 * pixel goes back to camera space, through `from`'s inverse and `to`, and out again.
 */
export function snapshotTransform(from: View, to: View, width: number, height: number): Affine2d | null {
  const det = from[0] * from[5] - from[4] * from[1];
  if (!(width > 0 && height > 0) || !Number.isFinite(det) || Math.abs(det) < 1e-12) return null;
  const aspect = width / height;
  const at = (x: number, y: number): [number, number] => {
    // pixel → camera space (x stretched by the aspect ratio, y up)
    const u = ((2 * x) / width - 1) * aspect - from[12];
    const v = 1 - (2 * y) / height - from[13];
    // through from⁻¹ (2×2 block) to the data plane, then through `to`
    const px = (from[5] * u - from[4] * v) / det;
    const py = (-from[1] * u + from[0] * v) / det;
    const u2 = to[0] * px + to[4] * py + to[12];
    const v2 = to[1] * px + to[5] * py + to[13];
    return [((u2 / aspect + 1) * width) / 2, ((1 - v2) * height) / 2];
  };
  const [ox, oy] = at(0, 0);
  const [xx, xy] = at(1, 0);
  const [yx, yy] = at(0, 1);
  const m: Affine2d = [xx - ox, xy - oy, yx - ox, yy - oy, ox, oy];
  return m.every(Number.isFinite) ? m : null;
}

/**
 * How far a snapshot moved by `m` is from a real frame: the larger of its change of scale (a
 * zoom: the points drawn bigger or smaller) and the share of the plot it leaves uncovered (a pan or
 * zoom-out: an empty border). 0 is the real frame; a rotation counts as 1.
 */
export function snapshotStaleness(m: Affine2d, width: number, height: number): number {
  const [a, b, c, d, e, f] = m;
  if (Math.abs(b) > 1e-9 || Math.abs(c) > 1e-9) return 1;
  const overlap = (lo: number, hi: number, size: number) => Math.max(0, Math.min(hi, size) - Math.max(lo, 0)) / size;
  const covered = overlap(Math.min(e, e + a * width), Math.max(e, e + a * width), width) * overlap(Math.min(f, f + d * height), Math.max(f, f + d * height), height);
  return Math.max(Math.abs(Math.sqrt(Math.abs(a * d)) - 1), 1 - covered);
}

/** Whether two camera views differ (the 2-D part: scale, rotation, translation). */
export function viewsDiffer(a: View, b: View): boolean {
  for (const i of [0, 1, 4, 5, 12, 13]) if (a[i] !== b[i]) return true;
  return false;
}
