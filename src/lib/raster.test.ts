import { describe, expect, it } from 'vitest';
import { parseRgb, Raster, Stamp } from './raster';

/** Each pixel's alpha, row by row. */
function alphas(raster: Raster): number[][] {
  const rows: number[][] = [];
  for (let y = 0; y < raster.height; y++)
    rows.push(Array.from({ length: raster.width }, (_, x) => raster.pixels[(y * raster.width + x) * 4 + 3]!));
  return rows;
}

function pixel(raster: Raster, x: number, y: number): number[] {
  const at = (y * raster.width + x) * 4;
  return [...raster.pixels.slice(at, at + 4)];
}

describe('Raster', () => {
  it('paints translucent squares that deepen where they overlap, cut off at the edges', () => {
    const raster = new Raster();
    raster.clear(6, 4);
    raster.square(1, 1, 2, [10, 20, 30], 0.5);
    raster.square(2, 1, 2, [10, 20, 30], 0.5);
    raster.square(5.6, 3.6, 2, [10, 20, 30], 0.5);
    const half = 128;
    // Over a pixel already at 128 of 255 (the stored half).
    const twice = Math.round(255 * (0.5 + (half / 255) * 0.5));
    expect(alphas(raster)).toEqual([
      [half, twice, half, 0, 0, 0],
      [half, twice, half, 0, 0, 0],
      [0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, half],
    ]);
    expect(pixel(raster, 1, 0)).toEqual([10, 20, 30, twice]);
  });

  it('composites a colour over another as a canvas does (source-over)', () => {
    const raster = new Raster();
    raster.clear(1, 1);
    raster.square(0.5, 0.5, 1, [255, 0, 0], 1);
    raster.square(0.5, 0.5, 1, [0, 0, 255], 0.25);
    expect(pixel(raster, 0, 0)).toEqual([191, 0, 64, 255]);
  });

  it('draws vertical lines either way round, inside the image only', () => {
    const raster = new Raster();
    raster.clear(3, 5);
    raster.verticalLine(1, 3.2, -4, [0, 0, 0], 1);
    raster.verticalLine(7, 0, 4, [0, 0, 0], 1);
    expect(alphas(raster).map((row) => row.join(''))).toEqual(['02550', '02550', '02550', '02550', '000']);
  });

  it('stamps an image centred on a point, its transparent pixels leaving what is under them', () => {
    const stamp = new Stamp({
      width: 3,
      height: 1,
      pixels: new Uint8ClampedArray([9, 9, 9, 255, 0, 0, 0, 0, 9, 9, 9, 255]),
    });
    expect(stamp.dx.length).toBe(2);
    const raster = new Raster();
    raster.clear(4, 2);
    raster.square(1.5, 0.5, 1, [1, 2, 3], 1);
    raster.stamp(stamp, 1, 0);
    raster.stamp(stamp, 3, 1);
    expect(pixel(raster, 0, 0)).toEqual([9, 9, 9, 255]);
    expect(pixel(raster, 1, 0)).toEqual([1, 2, 3, 255]);
    expect(pixel(raster, 2, 0)).toEqual([9, 9, 9, 255]);
    expect(alphas(raster)[1]).toEqual([0, 0, 255, 0]);
  });

  it('starts each image empty, and a new size gets a new buffer', () => {
    const raster = new Raster();
    raster.clear(3, 3);
    raster.square(1.5, 1.5, 3, [0, 0, 0], 1);
    raster.clear(3, 3);
    expect(
      alphas(raster)
        .flat()
        .every((alpha) => alpha === 0),
    ).toBe(true);
    raster.clear(2, 5);
    expect(raster.pixels.length).toBe(2 * 5 * 4);
  });
});

describe('parseRgb', () => {
  it('reads the colour forms a stylesheet gives back', () => {
    expect(parseRgb('#2f6fad')).toEqual([0x2f, 0x6f, 0xad]);
    expect(parseRgb(' #fff ')).toEqual([255, 255, 255]);
    expect(parseRgb('rgb(1, 2, 3)')).toEqual([1, 2, 3]);
    expect(parseRgb('rgba(4 5 6 / 0.5)')).toEqual([4, 5, 6]);
    expect(parseRgb('oklch(0.5 0.1 200)')).toBeNull();
  });
});
