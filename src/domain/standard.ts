// The standard resource classes (id = index in the list) and traits, as shipped with the reference.
import classes from './data/standard-resource-classes.json' with { type: 'json' };
import traits from './data/standard-traits.json' with { type: 'json' };

export const standardResourceClasses: readonly string[] = classes;
export const standardTraits: readonly string[] = traits;

/** Custom resource classes get ids from here up, as in the reference, so standard ids never move. */
export const FIRST_CUSTOM_CLASS_ID = 10000;
