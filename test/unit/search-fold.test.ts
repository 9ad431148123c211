/** L3's fold (subgraphs/customers/search.ts): what `customer.searchText` holds and what a search term becomes. */
import { customerSearchText, foldForSearch, searchPattern } from "../../subgraphs/customers/search";

const FORMS = ["NFC", "NFD", "NFKC", "NFKD"] as const;
const codePoints = (s: string) => [...s].map((c) => c.codePointAt(0)!.toString(16).padStart(4, "0"));

describe("L3 fold", () => {
  it("L3: foldForSearch folds case fully and composes: umlauts, final sigma, sharp s, ligatures", () => {
    expect(foldForSearch("Ärger GmbH")).toBe("ärger gmbh");
    expect(codePoints(foldForSearch("A\u0308rger"))).toEqual(codePoints("\u00e4rger")); // composed, whatever came in
    expect(foldForSearch("Σοφία")).toBe("σοφία");
    expect(foldForSearch("ΣΟΦΊΑΣ")).toBe("σοφίασ");
    expect(foldForSearch("σοφίας")).toBe("σοφίασ"); // final ς folds to σ (CaseFolding.txt: 03C2; C; 03C3)
    expect(foldForSearch("Straße")).toBe("strasse");
    expect(foldForSearch("STRAẞE")).toBe("strasse"); // U+1E9E: toLowerCase alone gives ß
    expect(foldForSearch("ﬃ")).toBe("ffi");
    expect(foldForSearch("ᾳ")).toBe("αι"); // iota subscript folds to ι
    expect(foldForSearch("\u212a")).toBe("k"); // Kelvin sign
    expect(foldForSearch("ſ")).toBe("s");
    expect(foldForSearch("ǅ")).toBe("d\u017e"); // compatibility decomposition: D + ž
    expect(foldForSearch("Ǆ")).toBe(foldForSearch("ǆ"));
    expect(foldForSearch("１００％")).toBe("100%");
  });

  it("L3: foldForSearch uses Unicode's default (not Turkic) folding: İ → i + U+0307, ı stays ı", () => {
    expect(codePoints(foldForSearch("İ"))).toEqual(["0069", "0307"]);
    expect(foldForSearch("ı")).toBe("ı");
    expect(foldForSearch("I")).toBe("i");
    expect(foldForSearch("DIYARBAKIR")).not.toBe(foldForSearch("dıyarbakır"));
  });

  it("L3: for every code point up to U+1FFFF, each normalisation form and case mapping folds alike (but ı's upper case I), and folding again changes nothing", () => {
    const bad: string[] = [];
    for (let cp = 0; cp <= 0x1ffff && bad.length < 10; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      const f = foldForSearch(c);
      const variants = [...FORMS.map((form) => c.normalize(form)), c.toLowerCase(), ...(c === "ı" ? [] : [c.toUpperCase()])];
      if (foldForSearch(f) !== f || variants.some((v) => foldForSearch(v) !== f)) bad.push(cp.toString(16));
    }
    expect(bad).toEqual([]);
  });

  it("L3: a stored name and a search term are folded the same way, and LIKE's wildcards are escaped after folding", () => {
    expect(customerSearchText({ companyName: "ÄRGER GmbH", defaultDomain: "aerger.onmicrosoft.com" })).toBe("ärger gmbh\naerger.onmicrosoft.com");
    expect(searchPattern("A\u0308RGER")).toBe("%ärger%");
    expect(searchPattern("100％_\\")).toBe("%100\\%\\_\\\\%");
    expect(searchPattern("")).toBeNull();
  });
});
