/*
 * Resolving user and group specs and names through the system databases;
 * names of peers through a short-lived cache.
 */
#include <sys/types.h>

#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ids.h"

/* (uid_t)-1 and (gid_t)-1 mean "no change" to chown(2): never a real id. */
#define ID_MAX	4294967294LL

static int
is_decimal(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/*
 * Resolve a user name or uid. *gid gets the user's primary group when the
 * user is in the database, else -1. A number need not exist in the database.
 */
int
ids_user(const char *spec, uid_t *uid, gid_t *gid, const char **errstr)
{
	struct passwd	*pw;
	long long	 n;

	if (is_decimal(spec)) {
		n = strtonum(spec, 0, ID_MAX, errstr);
		if (*errstr != NULL)
			return -1;
		*uid = (uid_t)n;
		pw = getpwuid(*uid);
		*gid = pw != NULL ? pw->pw_gid : (gid_t)-1;
		return 0;
	}
	if (*spec == '\0' || (pw = getpwnam(spec)) == NULL) {
		*errstr = "no such user";
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int
ids_group(const char *spec, gid_t *gid, const char **errstr)
{
	struct group	*gr;
	long long	 n;

	if (is_decimal(spec)) {
		n = strtonum(spec, 0, ID_MAX, errstr);
		if (*errstr != NULL)
			return -1;
		*gid = (gid_t)n;
		return 0;
	}
	if (*spec == '\0' || (gr = getgrnam(spec)) == NULL) {
		*errstr = "no such group";
		return -1;
	}
	*gid = gr->gr_gid;
	return 0;
}

/* USER[:GROUP]; without GROUP the group is left alone (-1). */
int
ids_owner(const char *spec, uid_t *uid, gid_t *gid, const char **errstr)
{
	char		 user[256];
	const char	*colon;
	size_t		 n;
	gid_t		 primary;

	*gid = (gid_t)-1;
	if ((colon = strchr(spec, ':')) == NULL)
		return ids_user(spec, uid, &primary, errstr);
	n = (size_t)(colon - spec);
	if (n >= sizeof(user)) {
		*errstr = "user name too long";
		return -1;
	}
	memcpy(user, spec, n);
	user[n] = '\0';
	if (ids_user(user, uid, &primary, errstr) == -1)
		return -1;
	return ids_group(colon + 1, gid, errstr);
}

/*
 * The name of a user or group id, copied into buf and returned; when it
 * has none (or it does not fit) buf is emptied and none is returned.
 */
const char *
ids_name(enum ids_kind kind, id_t id, char *buf, size_t size,
    const char *none)
{
	struct passwd	*pw;
	struct group	*gr;
	const char	*name = NULL;

	if (kind == IDS_USER && (pw = getpwuid((uid_t)id)) != NULL)
		name = pw->pw_name;
	else if (kind == IDS_GROUP && (gr = getgrgid((gid_t)id)) != NULL)
		name = gr->gr_name;
	if (size == 0)
		return none;
	if (name == NULL || strlcpy(buf, name, size) >= size) {
		*buf = '\0';
		return none;
	}
	return buf;
}

/*
 * Names seen lately, by id: a busy listener reads the user and group
 * databases once per id every NAME_TTL_MS, not on every connection. The
 * policy never uses them (it holds numbers); a renamed user shows under
 * the old name for at most that long.
 */
#define NAME_SLOTS	8
#define NAME_TTL_MS	5000

struct name_cache {
	struct {
		unsigned long	 id;
		long long	 expires;	/* 0: empty slot */
		char		 name[256];
	}		 slot[NAME_SLOTS];
	unsigned int	 next;		/* the slot to reuse */
};

static struct name_cache	 users, groups;

/* ids_name with no default, through the cache. */
void
ids_name_cached(enum ids_kind kind, id_t id, char *buf, size_t size)
{
	struct name_cache	*nc = kind == IDS_USER ? &users : &groups;
	long long		 now = now_ms();
	unsigned int		 i;

	for (i = 0; i < NAME_SLOTS; i++) {
		if (nc->slot[i].expires > now && nc->slot[i].id == id) {
			strlcpy(buf, nc->slot[i].name, size);
			return;
		}
	}
	(void)ids_name(kind, (id_t)id, buf, size, NULL);
	i = nc->next++ % NAME_SLOTS;
	nc->slot[i].id = id;
	nc->slot[i].expires = now + NAME_TTL_MS;
	strlcpy(nc->slot[i].name, buf, sizeof(nc->slot[i].name));
}
