/**
 * Text search over customers (L3): both the stored text and the search term go through one fold,
 * so matching is a plain, case-sensitive `LIKE` on a column that holds the folded text, the same
 * on SQLite (whose `LIKE` folds ASCII only) and PostgreSQL (whose `ILIKE` does not normalise).
 */

/** Between the folded company name and the folded domain: a control character, which a search term may not contain (so no match spans both). */
const SEPARATOR = "\n";

/**
 * Unicode full case folding (default, not Turkic) with compatibility normalisation, as Unicode's
 * NFKC_Casefold-style caseless match: NFKD, fold, NFKC. Any normalisation form of a text gives
 * the same result, and so does any case: `Ärger` and `A` + U+0308 `rger` → `ärger`,
 * `ΣΟΦΊΑΣ` and `σοφίας` → `σοφίασ`, `Straße` and `STRASSE` → `strasse`, `ﬁ` → `fi`.
 *
 * JavaScript has no case-fold function; lower → upper → lower is full folding for every code
 * point except three, handled here: the final sigma (ς, which toLowerCase writes at a word's end)
 * folds to σ, and the dotless ı is its own fold (toUpperCase would make it I, then i). Cherokee
 * folds to its capitals where this gives the small letters: the same classes, another representative.
 */
export function foldForSearch(text: string): string {
  return text
    .normalize("NFKD")
    .split("ı")
    .map((part) => part.toLowerCase().toUpperCase().toLowerCase())
    .join("ı")
    .replace(/ς/g, "σ")
    .normalize("NFKC");
}

/** What `customer.searchText` holds: written with every insert, and again whenever the company name or domain changes. */
export function customerSearchText(customer: { companyName: string; defaultDomain: string }): string {
  return `${foldForSearch(customer.companyName)}${SEPARATOR}${foldForSearch(customer.defaultDomain)}`;
}

/** The `LIKE` pattern for a search term (already validated): folded, then `\`, `%` and `_` escaped (a folded `％` is a `%`). */
export function searchPattern(term: string): string | null {
  const folded = foldForSearch(term);
  if (!folded) return null;
  return `%${folded.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}
