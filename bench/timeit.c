/*
 * timeit: run several commands in turn, many rounds, and report the median
 * wall-clock time of each. Interleaving the rounds (A B C, B C A, ...) makes
 * drift on a noisy machine fall on every command alike, so their ratios hold.
 *
 *   timeit [-n ROUNDS] [-w WARMUP] [-i INPUT] [-r RAWFILE] SPECFILE
 *
 * SPECFILE has one command a line: NAME, a tab, then the argv separated by
 * single spaces (no quoting). Each run gets INPUT (or /dev/null) as stdin and
 * /dev/null as stdout; stderr is inherited. A run that exits non-zero is an
 * error: its time would not be comparable. Output, one line per command:
 * NAME<TAB>median_ms<TAB>min_ms<TAB>max_ms<TAB>runs
 * With -r, RAWFILE gets every round's times, for differences within a round:
 * a line of the names, then one line a round, tab-separated, in SPECFILE's
 * order.
 */
#include <sys/wait.h>

#include <err.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_CMDS	16
#define MAX_ARGS	32

extern char	**environ;

struct cmd {
	char	*name;
	char	*argv[MAX_ARGS + 1];
	double	*ms;
};

static int
by_value(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
run_once(struct cmd *c, const char *input)
{
	posix_spawn_file_actions_t	 fa;
	struct timespec			 t0, t1;
	pid_t				 pid;
	int				 ws, r;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, input, O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = posix_spawn(&pid, c->argv[0], &fa, NULL, c->argv, environ);
	if (r != 0)
		errc(1, r, "%s", c->argv[0]);
	if (waitpid(pid, &ws, 0) == -1)
		err(1, "waitpid");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	posix_spawn_file_actions_destroy(&fa);
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
		errx(1, "%s: failed (wait status %#x)", c->name, ws);
	return (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
}

/* Each round's times into path, before they are sorted. */
static void
write_raw(const char *path, const struct cmd *cmds, size_t n, int rounds)
{
	FILE	*fp;
	size_t	 i;
	int	 r;

	if ((fp = fopen(path, "w")) == NULL)
		err(1, "%s", path);
	for (i = 0; i < n; i++)
		fprintf(fp, "%s%c", cmds[i].name, i + 1 < n ? '\t' : '\n');
	for (r = 0; r < rounds; r++)
		for (i = 0; i < n; i++)
			fprintf(fp, "%.3f%c", cmds[i].ms[r], i + 1 < n ? '\t' : '\n');
	if (fclose(fp) == EOF)
		err(1, "%s", path);
}

static size_t
load(const char *path, struct cmd *cmds)
{
	FILE	*fp;
	char	*line = NULL, *tab, *w;
	size_t	 cap = 0, n = 0, k;

	if ((fp = fopen(path, "r")) == NULL)
		err(1, "%s", path);
	while (getline(&line, &cap, fp) != -1) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (n == MAX_CMDS || (tab = strchr(line, '\t')) == NULL)
			errx(1, "%s: bad line: %s", path, line);
		*tab = '\0';
		cmds[n].name = strdup(line);
		k = 0;
		for (w = strtok(tab + 1, " "); w != NULL; w = strtok(NULL, " ")) {
			if (k == MAX_ARGS)
				errx(1, "%s: too many words", cmds[n].name);
			cmds[n].argv[k++] = strdup(w);
		}
		if (k == 0)
			errx(1, "%s: no command", cmds[n].name);
		n++;
	}
	free(line);
	fclose(fp);
	return n;
}

int
main(int argc, char **argv)
{
	struct cmd	 cmds[MAX_CMDS];
	const char	*input = "/dev/null", *raw = NULL, *errstr;
	size_t		 n, i, k;
	int		 rounds = 30, warmup = 2, ch, r;

	memset(cmds, 0, sizeof(cmds));
	while ((ch = getopt(argc, argv, "n:w:i:r:")) != -1) {
		switch (ch) {
		case 'n':
			rounds = (int)strtonum(optarg, 1, 100000, &errstr);
			if (errstr != NULL)
				errx(1, "-n %s: %s", optarg, errstr);
			break;
		case 'w':
			warmup = (int)strtonum(optarg, 0, 1000, &errstr);
			if (errstr != NULL)
				errx(1, "-w %s: %s", optarg, errstr);
			break;
		case 'i':
			input = optarg;
			break;
		case 'r':
			raw = optarg;
			break;
		default:
			return 1;
		}
	}
	if (argc - optind != 1)
		errx(1, "usage: timeit [-n ROUNDS] [-w WARMUP] [-i INPUT] "
		    "[-r RAWFILE] SPEC");
	n = load(argv[optind], cmds);
	for (i = 0; i < n; i++)
		if ((cmds[i].ms = calloc((size_t)rounds, sizeof(double))) == NULL)
			err(1, "calloc");
	for (r = -warmup; r < rounds; r++) {
		/* Rotate the order, so no command always follows the same one. */
		for (k = 0; k < n; k++) {
			i = (k + (size_t)(r + warmup)) % n;
			double ms = run_once(&cmds[i], input);
			if (r >= 0)
				cmds[i].ms[r] = ms;
		}
	}
	if (raw != NULL)
		write_raw(raw, cmds, n, rounds);
	for (i = 0; i < n; i++) {
		qsort(cmds[i].ms, (size_t)rounds, sizeof(double), by_value);
		printf("%s\t%.3f\t%.3f\t%.3f\t%d\n", cmds[i].name,
		    rounds % 2 ? cmds[i].ms[rounds / 2] :
		    (cmds[i].ms[rounds / 2 - 1] + cmds[i].ms[rounds / 2]) / 2,
		    cmds[i].ms[0], cmds[i].ms[rounds - 1], rounds);
	}
	return 0;
}
