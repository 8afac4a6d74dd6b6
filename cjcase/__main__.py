"""`python -m cjcase` behaves exactly like `cjcase`."""

from cjcase.launch import main

if __name__ == "__main__":
    main()
