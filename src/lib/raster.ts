/**
 * An RGBA image painted in JavaScript, for the timeline's dots and late-row marks. Drawn as canvas paths,
 * thousands of marks cost Chromium's software rasteriser 25–40 ms on the main thread at the next frame; painting
 * their pixels here and handing the canvas one image costs a few milliseconds, whatever their number.
 */
export type Rgb = readonly [number, number, number];

/** An image: RGBA, row by row, not premultiplied, as ImageData holds it. */
export interface Sprite {
  width: number;
  height: number;
  pixels: Uint8ClampedArray;
}

/** A small image to stamp many times, e.g. a mark drawn once on a canvas: its visible pixels, listed once. */
export class Stamp {
  /** Per visible pixel: its offset from the image's centre, colour and opacity. */
  readonly dx: Int16Array;
  readonly dy: Int16Array;
  readonly rgba: Uint8ClampedArray;

  constructor(sprite: Sprite) {
    const visible: number[] = [];
    for (let i = 0; i < sprite.width * sprite.height; i++) if (sprite.pixels[i * 4 + 3]! > 0) visible.push(i);
    this.dx = Int16Array.from(visible, (i) => (i % sprite.width) - Math.floor(sprite.width / 2));
    this.dy = Int16Array.from(visible, (i) => Math.floor(i / sprite.width) - Math.floor(sprite.height / 2));
    this.rgba = new Uint8ClampedArray(visible.length * 4);
    visible.forEach((i, n) => this.rgba.set(sprite.pixels.subarray(i * 4, i * 4 + 4), n * 4));
  }
}

export class Raster implements Sprite {
  width = 0;
  height = 0;
  pixels = new Uint8ClampedArray(new ArrayBuffer(0));

  /** Starts a transparent image of `width` × `height` pixels. */
  clear(width: number, height: number): void {
    if (width !== this.width || height !== this.height) {
      this.width = width;
      this.height = height;
      this.pixels = new Uint8ClampedArray(new ArrayBuffer(width * height * 4));
    } else {
      this.pixels.fill(0);
    }
  }

  /** A square of side `size` centred on (x, y), `alpha` opaque over what is there; cut off at the edges. */
  square(x: number, y: number, size: number, rgb: Rgb, alpha: number): void {
    const left = Math.round(x - size / 2);
    const top = Math.round(y - size / 2);
    for (let row = Math.max(0, top); row < Math.min(this.height, top + size); row++) {
      for (let column = Math.max(0, left); column < Math.min(this.width, left + size); column++) {
        this.blend((row * this.width + column) * 4, rgb[0], rgb[1], rgb[2], alpha);
      }
    }
  }

  /** A vertical line one pixel wide at x, from y0 to y1 (either way round). */
  verticalLine(x: number, y0: number, y1: number, rgb: Rgb, alpha: number): void {
    const column = Math.round(x);
    if (column < 0 || column >= this.width) return;
    const from = Math.max(0, Math.round(Math.min(y0, y1)));
    const to = Math.min(this.height - 1, Math.round(Math.max(y0, y1)));
    for (let row = from; row <= to; row++) this.blend((row * this.width + column) * 4, rgb[0], rgb[1], rgb[2], alpha);
  }

  /** The stamp centred on (x, y), over what is there. */
  stamp(stamp: Stamp, x: number, y: number): void {
    const column = Math.round(x);
    const row = Math.round(y);
    const { dx, dy, rgba } = stamp;
    for (let n = 0; n < dx.length; n++) {
      const c = column + dx[n]!;
      const r = row + dy[n]!;
      if (c < 0 || r < 0 || c >= this.width || r >= this.height) continue;
      this.blend((r * this.width + c) * 4, rgba[n * 4]!, rgba[n * 4 + 1]!, rgba[n * 4 + 2]!, rgba[n * 4 + 3]! / 255);
    }
  }

  /** Source-over compositing of one colour onto the pixel at byte offset `at`. */
  private blend(at: number, r: number, g: number, b: number, alpha: number): void {
    const pixels = this.pixels;
    const under = pixels[at + 3]! / 255;
    const out = alpha + under * (1 - alpha);
    if (out <= 0) return;
    const keep = (under * (1 - alpha)) / out;
    const add = alpha / out;
    pixels[at] = r * add + pixels[at]! * keep;
    pixels[at + 1] = g * add + pixels[at + 1]! * keep;
    pixels[at + 2] = b * add + pixels[at + 2]! * keep;
    pixels[at + 3] = out * 255;
  }
}

/** `#rgb`, `#rrggbb` or `rgb(r, g, b)` as numbers; null for anything else. */
export function parseRgb(color: string): [number, number, number] | null {
  const text = color.trim();
  const hex = /^#([\da-f]{3}|[\da-f]{6})$/i.exec(text)?.[1];
  if (hex) {
    const full = hex.length === 3 ? [...hex].map((digit) => digit + digit).join('') : hex;
    return [0, 2, 4].map((at) => parseInt(full.slice(at, at + 2), 16)) as [number, number, number];
  }
  const parts = /^rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)/i.exec(text);
  return parts ? [Number(parts[1]), Number(parts[2]), Number(parts[3])] : null;
}
