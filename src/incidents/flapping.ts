/** FLAP_DETECTION: an alert firing `fires` times within `windowMs` is flapping. */
export interface FlapDetection {
  fires: number;
  windowMs: number;
}

/** The fires still inside the flap window, and this one: at most as many as make an alert flapping. */
export function flapWindow(fires: readonly Date[], now: Date, flap: FlapDetection | undefined): Date[] {
  if (!flap) return [];
  return [...fires.filter((at) => now.getTime() - at.getTime() < flap.windowMs), now].slice(-flap.fires);
}

export function isFlapping(recentFires: readonly Date[], flap: FlapDetection | undefined): boolean {
  return flap !== undefined && recentFires.length >= flap.fires;
}
