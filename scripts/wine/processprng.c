/*
 * processprng.c builds bcryptprimitives.dll for Wine prefixes that lack
 * ProcessPrng (Wine 8): Go 1.22 and later take their random bytes from it
 * at start-up. The function asks the system RNG of bcrypt.dll, which Wine
 * has, for the bytes. See scripts/wine.sh.
 */
#include <windows.h>

typedef LONG(WINAPI *gen_random_fn)(void *, unsigned char *, ULONG, ULONG);

#define USE_SYSTEM_PREFERRED_RNG 0x00000002

__declspec(dllexport) BOOL WINAPI ProcessPrng(unsigned char *data, SIZE_T len)
{
	static gen_random_fn gen;
	if (gen == NULL) {
		HMODULE m = LoadLibraryA("bcrypt.dll");
		if (m == NULL)
			return FALSE;
		gen = (gen_random_fn)(void *)GetProcAddress(m, "BCryptGenRandom");
		if (gen == NULL)
			return FALSE;
	}
	while (len > 0) {
		ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (gen(NULL, data, chunk, USE_SYSTEM_PREFERRED_RNG) != 0)
			return FALSE;
		data += chunk;
		len -= chunk;
	}
	return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
	(void)inst;
	(void)reason;
	(void)reserved;
	return TRUE;
}
