/**
 * Schema governance: a breaking API change fails `npm run schema:check` unless
 * schema/CHANGELOG.md records it; dangerous and safe changes pass; the committed API passes.
 */
import fs from "node:fs";
import { checkSchema, GOVERNED_FILES, recordedBreakingChanges, releaseChangelog } from "../scripts/schema-governance";

const RELEASED = `
"""Root."""
type Query {
  """A customer by id."""
  customer(
    """The customer's id."""
    id: ID!
  ): Customer
}

"""A customer."""
type Customer {
  """Its id."""
  id: ID!
  """Its name."""
  companyName: String!
}
`;

const changelog = (...unreleased: string[]) => `# API schema changelog\n\n## Unreleased\n\n${unreleased.join("\n")}\n\n## 0.1.0 (2026-01-01)\n\n- First release.\n`;

const withoutCompanyName = RELEASED.replace(`  """Its name."""\n  companyName: String!\n`, "");
const idAsString = RELEASED.replace("id: ID!\n  ): Customer", "id: String!\n  ): Customer");

describe("schema:check", () => {
  it("Governance: a removed field is refused unless the changelog records it", async () => {
    const refused = await checkSchema({ released: RELEASED, current: withoutCompanyName, changelog: changelog() });
    expect(refused.unrecorded.map((c) => c.path)).toEqual(["Customer.companyName"]);
    expect(refused.problems).toEqual([expect.stringContaining("- BREAKING `Customer.companyName`:")]);

    const recorded = await checkSchema({
      released: RELEASED,
      current: withoutCompanyName,
      changelog: changelog("- BREAKING `Customer.companyName`: removed; read `name` instead."),
    });
    expect(recorded.breaking.map((c) => c.path)).toEqual(["Customer.companyName"]);
    expect(recorded.problems).toEqual([]);
  });

  it("Governance: a changed argument type is refused unless the changelog records it", async () => {
    const refused = await checkSchema({ released: RELEASED, current: idAsString, changelog: changelog() });
    expect(refused.unrecorded.map((c) => [c.type, c.path])).toEqual([["FIELD_ARGUMENT_TYPE_CHANGED", "Query.customer.id"]]);
    expect(refused.problems).toHaveLength(1);

    const recorded = await checkSchema({ released: RELEASED, current: idAsString, changelog: changelog("- BREAKING `Query.customer.id`: now a String.") });
    expect(recorded.problems).toEqual([]);
  });

  it("Governance: only entries under Unreleased count, and they must name a coordinate", async () => {
    const inOldRelease = `# API schema changelog\n\n## Unreleased\n\n## 0.1.0 (2026-01-01)\n\n- BREAKING \`Customer.companyName\`: removed.\n`;
    expect((await checkSchema({ released: RELEASED, current: withoutCompanyName, changelog: inOldRelease })).problems).toHaveLength(1);

    const malformed = await checkSchema({ released: RELEASED, current: withoutCompanyName, changelog: changelog("- BREAKING Customer.companyName removed") });
    expect(malformed.problems).toEqual([expect.stringContaining("Malformed changelog entry"), expect.stringContaining("not recorded")]);

    const noSection = await checkSchema({ released: RELEASED, current: RELEASED, changelog: "# API schema changelog\n" });
    expect(noSection.problems).toEqual([expect.stringContaining('no "## Unreleased" section')]);
  });

  it("Governance: a recorded breaking change that did not happen fails the check", async () => {
    const report = await checkSchema({ released: RELEASED, current: RELEASED, changelog: changelog("- BREAKING `Customer.companyName`: removed.") });
    expect(report.problems).toEqual([expect.stringContaining("records a breaking change at `Customer.companyName`")]);
  });

  it("Governance: an added optional field passes as safe, an added optional argument as dangerous", async () => {
    const added = RELEASED.replace(`  """Its name."""`, `  """Its country."""\n  country: String\n  """Its name."""`).replace(
      "id: ID!\n  ): Customer",
      `id: ID!\n    """Include archived customers."""\n    archived: Boolean\n  ): Customer`,
    );
    const report = await checkSchema({ released: RELEASED, current: added, changelog: changelog() });
    expect(report.problems).toEqual([]);
    expect(report.breaking).toEqual([]);
    expect(report.safe.map((c) => [c.type, c.path])).toEqual([
      ["FIELD_ADDED", "Customer.country"],
      ["FIELD_DESCRIPTION_ADDED", "Customer.country"],
    ]);
    expect(report.dangerous.map((c) => [c.type, c.path])).toEqual([["FIELD_ARGUMENT_ADDED", "Query.customer.archived"]]);
  });

  it("Governance: a dangerous change (a new enum value) passes and is reported as dangerous", async () => {
    const base = `${RELEASED}\n"""A state."""\nenum State {\n  """On."""\n  ON\n}\n`;
    const more = base.replace(`  ON\n}`, `  ON\n  """Off."""\n  OFF\n}`);
    const report = await checkSchema({ released: base, current: more, changelog: changelog() });
    expect(report.problems).toEqual([]);
    expect(report.dangerous.map((c) => c.path)).toEqual(["State.OFF"]);
  });

  it("Governance: an undescribed field or a deprecation without a reason fails the check", async () => {
    const current = RELEASED.replace(`  """Its name."""\n  companyName: String!`, `  companyName: String! @deprecated\n  """Old."""\n  name: String @deprecated(reason: " ")`);
    const report = await checkSchema({ released: RELEASED, current, changelog: changelog() });
    expect(report.problems).toEqual([
      "Customer.companyName has no description.",
      "Customer.companyName is deprecated without a reason.",
      "Customer.name is deprecated without a reason.",
    ]);
  });

  it("Governance: the committed API passes against the released one", async () => {
    const report = await checkSchema({
      current: fs.readFileSync(GOVERNED_FILES.api, "utf8"),
      released: fs.readFileSync(GOVERNED_FILES.released, "utf8"),
      changelog: fs.readFileSync(GOVERNED_FILES.changelog, "utf8"),
    });
    expect(report.problems).toEqual([]);
  });
});

describe("schema:release", () => {
  it("Governance: a release closes the Unreleased section and opens an empty one", () => {
    const released = releaseChangelog(changelog("- BREAKING `Customer.companyName`: removed."), "0.2.0", "2026-02-01");
    expect(released).toContain("## Unreleased\n\n## 0.2.0 (2026-02-01)\n\n- BREAKING `Customer.companyName`: removed.");
    expect(recordedBreakingChanges(released).coordinates.size).toBe(0);
    expect(() => releaseChangelog(released, "0.2.0", "2026-02-02")).toThrow("already has a release 0.2.0");
  });
});
