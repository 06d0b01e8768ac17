/** How a requirement is named in explanations and errors. */
import type { Requirement } from "../standards/index.ts";

const OPERATOR_RANK: Record<string, number> = {
  "===": 0,
  "==": 0,
  "~=": 1,
  ">=": 1,
  ">": 1,
  "<=": 2,
  "<": 2,
  "!=": 3,
};

/** `b>=2.0,<3.0`: lower bounds before upper bounds, as people write them (packaging sorts as text). */
export function requirementLabel(target: string, req: Requirement): string {
  if (req.url !== null) return `${target} @ ${req.url}`;
  const parts = [...req.specifier.specifiers].sort(
    (a, b) => OPERATOR_RANK[a.operator]! - OPERATOR_RANK[b.operator]!,
  );
  return target + parts.map(String).join(",");
}
