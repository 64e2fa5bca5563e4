#include "util/token.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int token_make_file(const char *path)
{
    char have[TOKEN_MAX];
    if (token_read_file(path, have, sizeof have) == 0)
        return 0;
    unsigned char raw[TOKEN_LEN / 2];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, raw, sizeof raw);
    close(fd);
    if (n != (ssize_t)sizeof raw)
        return -EIO;
    char hex[TOKEN_LEN + 2];
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    hex[TOKEN_LEN] = '\n';
    hex[TOKEN_LEN + 1] = '\0';
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    int rc = fchmod(fd, 0600) == 0 && write(fd, hex, TOKEN_LEN + 1) == TOKEN_LEN + 1 ? 0 : -errno;
    if (close(fd) < 0 && !rc)
        rc = -errno;
    return rc;
}

int token_read_file(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    if (!fgets(buf, (int)size, f))
        buf[0] = '\0';
    fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
    return buf[0] ? 0 : -EINVAL;
}

bool token_equal(const char *given, const char *secret)
{
    if (!given)
        return false;
    size_t lg = strlen(given), ls = strlen(secret);
    /* Every byte of the secret is compared, whatever 'given' is. */
    volatile unsigned char diff = lg != ls;
    for (size_t i = 0; i < ls; i++)
        diff |= (unsigned char)(secret[i] ^ (i < lg ? given[i] : 0));
    return diff == 0;
}

bool token_bearer_ok(const char *authorization, const char *secret)
{
    if (!authorization || strncasecmp(authorization, "Bearer ", 7))
        return false;
    const char *t = authorization + 7;
    while (*t == ' ')
        t++;
    return token_equal(t, secret);
}
