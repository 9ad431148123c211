/**
 * What keeps the subgraphs servable by a second federation engine (`npm run portability` runs
 * the example operations through the Grafbase CLI and compares the answers with ours).
 */
import fs from "node:fs";
import path from "node:path";
import { parse, visit } from "graphql";
import { projectRoot, SUBGRAPH_NAMES } from "../common/service/config";

const schemaOf = (name: string) => fs.readFileSync(path.join(projectRoot(), "schema", `${name}.graphql`), "utf8");

/** Descriptions written as block strings whose text is five characters or fewer, with where they are. */
function shortBlockDescriptions(sdl: string): string[] {
  const found: string[] = [];
  visit(parse(sdl), {
    enter(node) {
      const description = (node as { description?: { value: string; block?: boolean } }).description;
      if (description?.block && description.value.trim().length <= 5) found.push(`${(node as { name?: { value: string } }).name?.value}: "${description.value}"`);
    },
  });
  return found;
}

describe("portability", () => {
  it.each(SUBGRAPH_NAMES)("Portability: the %s subgraph has no block-string description of five characters or fewer (Grafbase's composer panics on them)", (name) => {
    expect(shortBlockDescriptions(schemaOf(name))).toEqual([]);
  });

  it("Portability: the check finds a short one", () => {
    expect(shortBlockDescriptions(`type T {\n  """City."""\n  city: String\n  """A longer one."""\n  other: String\n}`)).toEqual([`city: "City."`]);
  });
});
