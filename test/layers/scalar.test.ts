/**
 * Tests for the computational-graph layers on numbers (src/layers/scalar.ts): the book's two
 * worked apple examples exactly, and one example not in the book, worked out by hand below.
 */
import { describe, expect, it } from 'vitest';
import { AddLayer, MulLayer } from '../../src/layers/scalar.js';

describe('MulLayer and AddLayer', () => {
  it('MulLayer backward swaps the inputs: d(xy)/dx = y, d(xy)/dy = x, each times dout', () => {
    const mul = new MulLayer();
    expect(mul.forward(3, -4)).toBe(-12);
    expect(mul.backward(2)).toEqual([-8, 6]);
  });

  it('AddLayer passes dout unchanged to both inputs', () => {
    const add = new AddLayer();
    expect(add.forward(3, -4)).toBe(-1);
    expect(add.backward(2.5)).toEqual([2.5, 2.5]);
  });
});

describe("the book's apple example (5.4.1)", () => {
  it('2 apples at 100 with tax 1.1: price 220; backward from 1 gives dApplePrice 2.2, dAppleNum 110, dTax 200', () => {
    const mulAppleLayer = new MulLayer();
    const mulTaxLayer = new MulLayer();

    const applePrice = mulAppleLayer.forward(100, 2);
    const price = mulTaxLayer.forward(applePrice, 1.1);
    expect(price).toBeCloseTo(220, 10);

    const [dApplePriceTotal, dTax] = mulTaxLayer.backward(1);
    const [dApple, dAppleNum] = mulAppleLayer.backward(dApplePriceTotal);
    expect(dApple).toBeCloseTo(2.2, 12);
    expect(dAppleNum).toBeCloseTo(110, 10);
    expect(dTax).toBeCloseTo(200, 10);
  });

  it('with 3 oranges at 150: price 715; dAppleNum 110, dApple 2.2, dOrange 3.3, dOrangeNum 165, dTax 650', () => {
    const mulAppleLayer = new MulLayer();
    const mulOrangeLayer = new MulLayer();
    const addAppleOrangeLayer = new AddLayer();
    const mulTaxLayer = new MulLayer();

    const applePrice = mulAppleLayer.forward(100, 2);
    const orangePrice = mulOrangeLayer.forward(150, 3);
    const allPrice = addAppleOrangeLayer.forward(applePrice, orangePrice);
    const price = mulTaxLayer.forward(allPrice, 1.1);
    expect(price).toBeCloseTo(715, 10);

    const [dAllPrice, dTax] = mulTaxLayer.backward(1);
    const [dApplePrice, dOrangePrice] = addAppleOrangeLayer.backward(dAllPrice);
    const [dOrange, dOrangeNum] = mulOrangeLayer.backward(dOrangePrice);
    const [dApple, dAppleNum] = mulAppleLayer.backward(dApplePrice);
    expect(dAppleNum).toBeCloseTo(110, 10);
    expect(dApple).toBeCloseTo(2.2, 12);
    expect(dOrange).toBeCloseTo(3.3, 12);
    expect(dOrangeNum).toBeCloseTo(165, 10);
    expect(dTax).toBeCloseTo(650, 10);
  });
});

describe('an example not in the book, by hand', () => {
  // price = (4 pears at 30 + 2 melons at 250) * tax 1.08 + shipping 500
  //       = (120 + 500) * 1.08 + 500 = 669.6 + 500 = 1169.6
  // Backward from dout = 1:
  //   dShipping = 1, dTax = 620, dSubtotal = 1.08
  //   dPearPrice = 1.08 * 4 = 4.32,  dPearNum = 1.08 * 30 = 32.4
  //   dMelonPrice = 1.08 * 2 = 2.16, dMelonNum = 1.08 * 250 = 270
  function pearsAndMelons(pearPrice: number, pearNum: number, melonPrice: number, melonNum: number, tax: number, shipping: number) {
    const mulPear = new MulLayer();
    const mulMelon = new MulLayer();
    const addFruit = new AddLayer();
    const mulTax = new MulLayer();
    const addShipping = new AddLayer();
    const price = addShipping.forward(
      mulTax.forward(addFruit.forward(mulPear.forward(pearPrice, pearNum), mulMelon.forward(melonPrice, melonNum)), tax),
      shipping,
    );
    const backward = (dout: number) => {
      const [dTaxed, dShipping] = addShipping.backward(dout);
      const [dSubtotal, dTax] = mulTax.backward(dTaxed);
      const [dPears, dMelons] = addFruit.backward(dSubtotal);
      const [dPearPrice, dPearNum] = mulPear.backward(dPears);
      const [dMelonPrice, dMelonNum] = mulMelon.backward(dMelons);
      return { dPearPrice, dPearNum, dMelonPrice, dMelonNum, dTax, dShipping };
    };
    return { price, backward };
  }

  it('prices 4 pears at 30 and 2 melons at 250, taxed at 1.08, plus 500 shipping, at 1169.6', () => {
    expect(pearsAndMelons(30, 4, 250, 2, 1.08, 500).price).toBeCloseTo(1169.6, 9);
  });

  it('backward from 1 gives the hand-derived derivatives', () => {
    const g = pearsAndMelons(30, 4, 250, 2, 1.08, 500).backward(1);
    expect(g.dShipping).toBe(1);
    expect(g.dTax).toBeCloseTo(620, 10);
    expect(g.dPearPrice).toBeCloseTo(4.32, 12);
    expect(g.dPearNum).toBeCloseTo(32.4, 11);
    expect(g.dMelonPrice).toBeCloseTo(2.16, 12);
    expect(g.dMelonNum).toBeCloseTo(270, 10);
  });

  it('backward from 2 doubles every derivative (chain rule is linear in dout)', () => {
    const g = pearsAndMelons(30, 4, 250, 2, 1.08, 500).backward(2);
    expect(g.dTax).toBeCloseTo(1240, 10);
    expect(g.dMelonNum).toBeCloseTo(540, 10);
    expect(g.dShipping).toBe(2);
  });

  it('agrees with a central difference on the melon count', () => {
    const h = 1e-3;
    const numeric =
      (pearsAndMelons(30, 4, 250, 2 + h, 1.08, 500).price - pearsAndMelons(30, 4, 250, 2 - h, 1.08, 500).price) / (2 * h);
    expect(numeric).toBeCloseTo(270, 6);
  });

  it('x * x through one MulLayer: the two branch derivatives add up to 2x', () => {
    const square = new MulLayer();
    expect(square.forward(3, 3)).toBe(9);
    const [dx1, dx2] = square.backward(1);
    expect(dx1 + dx2).toBe(6);
  });
});
