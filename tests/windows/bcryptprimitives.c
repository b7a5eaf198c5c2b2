/* Test-harness shim for Wine 8, which lacks bcryptprimitives.dll: Rust's std (>= 1.78) imports
 * ProcessPrng from it, and every Rust exe exits 53 without it. Real Windows (10 and later) has the DLL;
 * tests/support/wine.rs builds this with mingw and copies it into the test prefix's system32. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
