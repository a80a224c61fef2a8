/**
 * @file clasp_version.h
 * @brief Version of the clasp library.
 */
#ifndef CLASP_VERSION_H
#define CLASP_VERSION_H

#define CLASP_VERSION_MAJOR 0
#define CLASP_VERSION_MINOR 1
#define CLASP_VERSION_PATCH 0
#define CLASP_VERSION_STRING "0.1.0"
/** 0xMMmmpp00 */
#define CLASP_VERSION_NUMBER 0x00010000

#endif
