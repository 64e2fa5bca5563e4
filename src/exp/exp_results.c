/* exp_results: reading a results document (results.json), for the report
 * and the plots. */
#include <string.h>

#include "exp/exp_priv.h"

const char *exp_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key)) ?: "";
}

const json_t *exp_cell(const json_t *cells, const char *mode, json_int_t route, json_int_t mss)
{
    size_t i;
    json_t *c;
    json_array_foreach(cells, i, c)
        if (!strcmp(exp_str(c, "mode"), mode) &&
            json_integer_value(json_object_get(c, "route")) == route &&
            json_integer_value(json_object_get(c, "mss")) == mss)
            return c;
    return NULL;
}
