/* libFuzzer target on the OpenFlow decoder: any bytes, framed as the daemon
 * frames them, must decode to a message or an error; what decodes must
 * encode and print.  No crash, leak or sanitizer report. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ofp/ofp.h"
#include "ofp/ofp_print.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    while (size >= OFP_HEADER_LEN) {
        size_t len = ofp_peek_length(data, size);
        if (len < OFP_HEADER_LEN || len > size)
            break;
        struct ofp_msg m;
        if (ofp_decode(data, len, &m) == 0) {
            size_t out_len;
            free(ofp_encode(&m, &out_len));
            free(ofp_to_text(&m));
            ofp_msg_free(&m);
        }
        data += len;
        size -= len;
    }
    return 0;
}
