// Query.changeToken: where in the change log (src/db/changeLog.ts) the answer stands.
import { builder, queryScopes } from '../builder.ts';

builder.queryFields((t) => ({
  changeToken: t.string({
    ...queryScopes('changeToken'),
    description:
      'The latest committed change-log sequence (a decimal string) when this request started reading: the rest of the answer reflects every write up to it, or later ones. It grows with every committed write, on every replica. Subscribe with it as `after` to receive exactly the changes after the state this query read.',
    resolve: async (_, __, ctx) => String(await ctx.changePosition()),
  }),
}));
